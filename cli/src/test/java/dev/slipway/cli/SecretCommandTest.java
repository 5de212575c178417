package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.secrets.SecretStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretCommandTest {
    @TempDir
    Path tmp;

    private CliRun cli;
    private SecretStore store;

    @BeforeEach
    void setUp() {
        cli = new CliRun(tmp.resolve("home"), tmp);
        store = SecretStore.forUser(Map.of(), tmp.resolve("home"));
    }

    @Test
    void setReadsTheValueFromStdinAndNeverEchoesNameOrValue() {
        var result = cli.stdin("s3cr3t-value\n").run("secret", "set", "acme-web", "DATABASE_PASSWORD");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out() + result.err()).doesNotContain("s3cr3t-value").doesNotContain("DATABASE_PASSWORD");
        assertThat(store.values("acme-web", List.of("DATABASE_PASSWORD")))
                .containsEntry("DATABASE_PASSWORD", "s3cr3t-value");
    }

    @Test
    void setFromFileKeepsTheBytesExactly() throws Exception {
        Files.writeString(tmp.resolve("tls.key"), "line1\nline2\n");

        var result = cli.run("secret", "set", "acme-web", "TLS_KEY", "--from-file", "tls.key");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(store.values("acme-web", List.of("TLS_KEY"))).containsEntry("TLS_KEY", "line1\nline2\n");
    }

    @Test
    void aValueOnTheCommandLineIsAUsageError() {
        var result = cli.run("secret", "set", "acme-web", "TOKEN", "hunter2");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(store.names("acme-web")).isEmpty();
    }

    @Test
    void emptyStdinIsRefused() {
        var result = cli.stdin("").run("secret", "set", "acme-web", "TOKEN");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("no secret value was given");
        assertThat(store.names("acme-web")).isEmpty();
    }

    @Test
    void listShowsNamesOnlyAndJsonParses() throws Exception {
        cli.stdin("one").run("secret", "set", "acme-web", "B_TOKEN");
        cli.stdin("two").run("secret", "set", "acme-web", "A_TOKEN");

        var text = cli.run("secret", "list", "acme-web");
        assertThat(text.out()).isEqualTo("A_TOKEN\nB_TOKEN\n");

        var json = cli.run("secret", "list", "acme-web", "--output", "json");
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertThat(doc.get("app").asText()).isEqualTo("acme-web");
        assertThat(doc.get("secrets")).hasSize(2);
        assertThat(json.out()).doesNotContain("one").doesNotContain("two");
    }

    @Test
    void rmRemovesAndRemovingTwiceIsAUserError() {
        cli.stdin("v").run("secret", "set", "acme-web", "TOKEN");

        assertThat(cli.run("secret", "rm", "acme-web", "TOKEN").exitCode()).isZero();
        var again = cli.run("secret", "rm", "acme-web", "TOKEN");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("no secret of that name is set").doesNotContain("TOKEN\n");
    }

    @Test
    void keyFileFlagChoosesWhereTheKeyLives() {
        var result = cli.stdin("v").run("secret", "set", "acme-web", "TOKEN", "--secrets-key", "custom.key");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(tmp.resolve("custom.key")).exists();
        assertThat(tmp.resolve("home/.config/slipway/secrets.key")).doesNotExist();
    }
}
