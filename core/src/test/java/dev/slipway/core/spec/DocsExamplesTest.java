package dev.slipway.core.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.Problem;
import dev.slipway.core.cluster.ClustersConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The YAML examples in docs/spec.md stay valid: users copy them. */
class DocsExamplesTest {
    private static final Path DOC = Path.of("../docs/spec.md");
    private static final Path APP = Path.of("src/test/resources/apps/schema");

    private static List<String> yamlBlocks() throws Exception {
        Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    @Test
    void specExamplesLoad() throws Exception {
        List<String> specs =
                yamlBlocks().stream().filter(b -> b.startsWith("app:")).toList();

        assertThat(specs).hasSizeGreaterThanOrEqualTo(2);
        for (String spec : specs) {
            List<Problem> problems = new ArrayList<>();
            AppLoader.parseSpec(spec, APP, APP.resolve("slipway.yaml"), problems);
            assertThat(problems).as(spec).isEmpty();
        }
    }

    @Test
    void clustersFileExampleLoads() throws Exception {
        List<String> files =
                yamlBlocks().stream().filter(b -> b.startsWith("groups:")).toList();

        assertThat(files).hasSize(1);
        assertThat(ClustersConfigLoader.parse(files.get(0), Path.of("clusters.yaml"))
                        .groups())
                .containsKey("production");
    }
}
