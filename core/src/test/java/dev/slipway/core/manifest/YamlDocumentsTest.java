package dev.slipway.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slipway.core.InvalidInputException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class YamlDocumentsTest {
    private static final Path FILE = Path.of("x.yaml");

    @Test
    void aliasBombIsRefusedInsteadOfExhaustingMemory() {
        StringBuilder yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 9; i++) {
            yaml.append("a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            yaml.append("]\n");
        }

        InvalidInputException e =
                catchThrowableOfType(InvalidInputException.class, () -> YamlDocuments.parse(yaml.toString(), FILE));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.where()).startsWith("x.yaml:");
            assertThat(p.what()).startsWith("document too large");
        });
    }

    @Test
    void anchorsAndMergeKeysWorkAsInKubectl() {
        List<YamlDocument> docs = YamlDocuments.parse("""
                base: &base {cpu: 100m, memory: 1Gi}
                web:
                  <<: *base
                  memory: 2Gi
                """, FILE);

        assertThat(docs.get(0).root().path("web").toString()).isEqualTo("{\"memory\":\"2Gi\",\"cpu\":\"100m\"}");
    }

    @Test
    void everyNodeKnowsItsLine() {
        YamlDocument doc = YamlDocuments.parse("---\na: 1\nb:\n  c:\n    - x\n    - y\n", FILE)
                .get(0);

        assertThat(doc.line()).isEqualTo(2);
        assertThat(doc.at("/b/c/1").toString()).isEqualTo("x.yaml:6");
        assertThat(doc.at("/b/nothing/here").toString()).isEqualTo("x.yaml:3");
    }

    @Test
    void syntaxErrorsNameTheLine() {
        InvalidInputException e = catchThrowableOfType(
                InvalidInputException.class, () -> YamlDocuments.parse("a: 1\nb: [1, 2\nc: 3\n", FILE));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.where()).matches("x\\.yaml:[34]");
            assertThat(p.what()).startsWith("invalid YAML: ");
        });
    }
}
