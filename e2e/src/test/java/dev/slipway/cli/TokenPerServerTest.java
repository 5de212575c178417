package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * slipway login without a keyring, to two real servers, each accepting only its own admin token: each server's
 * token is kept in a file of its own and every command sends each server its own token. The single token file of
 * older versions is still read, and retired by the login that gives its token a file of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenPerServerTest {
    private Path tmp;
    private RunningServer east;
    private RunningServer west;

    @BeforeAll
    void startTwoServers(@TempDir Path dir) throws Exception {
        tmp = dir;
        east = RunningServer.start(Files.createDirectories(dir.resolve("east")));
        west = RunningServer.start(Files.createDirectories(dir.resolve("west")));
    }

    @AfterAll
    void stopServers() {
        for (RunningServer server : new RunningServer[] {east, west}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void loginsToTwoServersKeepBothTokensAndEachServerGetsItsOwn() throws IOException {
        // No PATH in the environment: no keyring tool can be found, as on a machine without one.
        Path home = tmp.resolve("two-logins");
        CliRun cli = new CliRun(home, tmp);
        String eastToken = secret(east);
        String westToken = secret(west);

        var loginEast = cli.stdin(eastToken + "\n").run("login", "--server", east.url());
        var loginWest = cli.stdin(westToken + "\n").run("login", "--server", west.url() + "/");

        assertThat(loginEast.exitCode()).as(loginEast.toString()).isZero();
        assertThat(loginWest.exitCode()).as(loginWest.toString()).isZero();
        Path eastFile = tokenFile(home, east.url());
        Path westFile = tokenFile(home, west.url());
        assertThat(loginEast.err()).contains("Stored it in " + eastFile).contains("the token file of " + east.url());
        assertThat(loginWest.err()).contains("Stored it in " + westFile);
        assertThat(Files.readString(eastFile).strip()).isEqualTo(eastToken);
        assertThat(Files.readString(westFile).strip()).isEqualTo(westToken);
        for (Path file : new Path[] {eastFile, westFile}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-------");
        }
        assertThat(home.resolve(".config/slipway/token")).doesNotExist();

        // Logged in, a person asks for the one-time code that links their chat user to them.
        var chatLink = cli.run("login", "--chat-link", "--server", east.url());
        assertThat(chatLink.exitCode()).as(chatLink.toString()).isZero();
        assertThat(chatLink.out())
                .containsPattern(
                        "Say this to Slipway in chat before \\S+Z \\(it works once\\):\\n  link [A-Z2-9]{10}\\n");

        for (RunningServer server : new RunningServer[] {east, west, east}) {
            var history = cli.run("history", "shop", "--env", "production", "--server", server.url());
            assertThat(history.exitCode()).as(server.url() + ": " + history).isZero();
            assertThat(history.out()).contains("east-1");
        }
    }

    @Test
    void theSingleTokenFileOfOlderVersionsIsReadUntilALoginGivesItsTokenAFileOfItsOwn() throws IOException {
        Path home = tmp.resolve("upgraded");
        CliRun cli = new CliRun(home, tmp);
        Path legacy = home.resolve(".config/slipway/token");
        Files.createDirectories(legacy.getParent());
        Files.writeString(legacy, secret(east) + "\n");
        Files.setPosixFilePermissions(legacy, PosixFilePermissions.fromString("rw-------"));

        var before = cli.run("history", "shop", "--env", "production", "--server", east.url());
        assertThat(before.exitCode()).as(before.toString()).isZero();

        var westLogin = cli.stdin(secret(west) + "\n").run("login", "--server", west.url());
        assertThat(westLogin.exitCode()).as(westLogin.toString()).isZero();
        assertThat(legacy).as("it holds east's token, not west's").exists();

        var eastLogin = cli.stdin(secret(east) + "\n").run("login", "--server", east.url());
        assertThat(eastLogin.exitCode()).as(eastLogin.toString()).isZero();
        assertThat(eastLogin.out())
                .contains("Removed " + legacy + ", the single token file of older versions, which held this token.");
        assertThat(legacy).doesNotExist();
        for (RunningServer server : new RunningServer[] {east, west}) {
            var history = cli.run("history", "shop", "--env", "production", "--server", server.url());
            assertThat(history.exitCode()).as(server.url() + ": " + history).isZero();
        }
    }

    private static Path tokenFile(Path home, String url) {
        return home.resolve(".config/slipway/tokens").resolve(URLEncoder.encode(url, StandardCharsets.UTF_8));
    }

    private static String secret(RunningServer server) throws IOException {
        return Files.readString(server.adminToken).strip();
    }
}
