package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway server} as the CLI alone knows it: its options are the CLI's own (help works without the server),
 * and without the server's jar on the class path it says how to get it instead of failing with a class error.
 */
class ServerCommandTest {
    @TempDir
    Path tmp;

    @Test
    void serverHelpListsEveryOptionOfTheServer() {
        var result = cli().run("server", "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .contains(
                        "--config",
                        "--host",
                        "--port",
                        "--state-dir",
                        "--db ",
                        "--db-credentials-file",
                        "--clusters",
                        "--kubeconfig",
                        "--server-id",
                        "--tls-keystore",
                        "--tls-password-file",
                        "--github-webhook-secret-file",
                        "--slack-signing-secret-file",
                        "--chatops-public-key-file",
                        "--chatops-base-url",
                        "--lab-ttl",
                        "--max-lab-ttl",
                        "--deploy-timeout",
                        "--reaper-interval",
                        "--router-port",
                        "--lab-url-template",
                        "--lab-user");
    }

    @Test
    void serverWithoutTheServerJarSaysHowToRunIt() {
        var result = cli().run("server", "--state-dir", "server-state");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err())
                .contains("the server is not on this CLI's class path")
                .contains("server/target/slipway-server.jar")
                .contains("./slipway");
        assertThat(tmp.resolve("server-state")).doesNotExist();
    }

    private CliRun cli() {
        return new CliRun(tmp.resolve("home"), tmp);
    }
}
