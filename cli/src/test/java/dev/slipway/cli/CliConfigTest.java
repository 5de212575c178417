package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ~/.config/slipway/config.yaml: where it is, what it may hold, and how its mistakes are reported. */
class CliConfigTest {
    @TempDir
    Path tmp;

    @Test
    void anUnknownKeyIsAnErrorWithFileLineAndTheKeyMeant() throws IOException {
        Path config = write(tmp.resolve("home/.config/slipway/config.yaml"), """
                server: https://slipway.internal:7420
                tokenfile: ~/slipway-token
                """);

        var result = new CliRun(tmp.resolve("home"), tmp).run("status", "shop", "--env", "production");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err())
                .startsWith("error: " + config + ":2: tokenfile: unknown field")
                .contains("did you mean 'token-file'?");
    }

    @Test
    void brokenYamlIsAnErrorWithFileAndLine() throws IOException {
        Path config = write(tmp.resolve("xdg/slipway/config.yaml"), """
                server: https://slipway.internal:7420
                ca: [unclosed
                """);

        var result = new CliRun(tmp.resolve("home"), tmp)
                .env("XDG_CONFIG_HOME", tmp.resolve("xdg").toString())
                .run("deploy", ".", "--env", "production");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).startsWith("error: " + config + ":").contains("invalid YAML");
    }

    @Test
    void aBadServerUrlInTheConfigIsReportedAtItsLine() throws IOException {
        Path config = write(tmp.resolve("home/.config/slipway/config.yaml"), """
                # plain http to another host would send the token readable
                server: http://slipway.example:7420
                """);

        var result = new CliRun(tmp.resolve("home"), tmp).run("history", "shop", "--env", "production");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).startsWith("error: " + config + ":2: uses plain http");
    }

    @Test
    void pathsAreRelativeToTheConfigFileOrTheHomeDirectory() throws IOException {
        Path home = tmp.resolve("home");
        Path config = write(home.resolve(".config/slipway/config.yaml"), """
                server: https://slipway.internal:7420
                token-file: tokens/ci
                ca: ~/certs/slipway-ca.pem
                """);

        CliConfig loaded = CliConfig.load(context(home, Map.of()));

        assertThat(loaded.server().orElseThrow().value()).isEqualTo("https://slipway.internal:7420");
        assertThat(loaded.tokenFile().orElseThrow().value()).isEqualTo(config.resolveSibling("tokens/ci"));
        assertThat(loaded.tokenFile().orElseThrow().source()).isEqualTo(config + ":2");
        assertThat(loaded.ca().orElseThrow().value()).isEqualTo(home.resolve("certs/slipway-ca.pem"));
    }

    @Test
    void xdgConfigHomeIsHonouredAndNoFileMeansNoSettings() throws IOException {
        Path home = tmp.resolve("home");
        write(home.resolve(".config/slipway/config.yaml"), "server: https://ignored.example\n");
        Map<String, String> xdg = Map.of("XDG_CONFIG_HOME", tmp.resolve("xdg").toString());

        assertThat(CliConfig.file(context(home, xdg))).isEqualTo(tmp.resolve("xdg/slipway/config.yaml"));
        assertThat(CliConfig.load(context(home, xdg))).isEqualTo(CliConfig.EMPTY);
        assertThat(CliConfig.load(context(home, Map.of())).server()).isPresent();
    }

    private CliContext context(Path home, Map<String, String> env) {
        return new CliContext(env, home, tmp, new ByteArrayInputStream(new byte[0]), false, Clock.systemUTC());
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }
}
