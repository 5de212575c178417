package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.testkit.TestHome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code HOME=$(mktemp -d) slipway server} keeps everything under that home, whatever the passwd entry says, with
 * the state directory and its secrets readable by the server's user alone.
 */
class ServerHomeTest {

    @TempDir
    Path tmp;

    private Process server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aServerWritesOnlyUnderHomeFromTheEnvironmentNotUnderUserHome() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path passwdHome = Files.createDirectories(tmp.resolve("passwd-home"));
        Path log = tmp.resolve("server.log");

        server = startServer(home, passwdHome, log);
        String url = await().atMost(Duration.ofSeconds(60))
                .failFast("the server exited", () -> !server.isAlive())
                .until(() -> listeningUrl(log), u -> u != null);
        HttpResponse<String> health = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);

        Path state = home.resolve(".local/state/slipway");
        assertThat(Files.readString(log)).contains("first admin token written to " + state.resolve("admin-token"));
        assertThat(mode(state)).isEqualTo("rwx------");
        assertThat(mode(state.resolve("store.mv.db"))).isEqualTo("rw-------");
        assertThat(mode(state.resolve("admin-token"))).isEqualTo("rw-------");
        try (Stream<Path> files = Files.list(passwdHome)) {
            assertThat(files).as("nothing under user.home").isEmpty();
        }
        try (Stream<Path> all = Files.walk(tmp)) {
            assertThat(all.filter(p -> !p.equals(tmp) && !p.startsWith(home) && !p.equals(log)))
                    .as("nothing outside $HOME")
                    .containsExactly(passwdHome);
        }
    }

    @Test
    void anExistingLegacyStateDirectoryKeepsBeingUsedAndTheMoveIsExplained() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path legacy = Files.createDirectories(home.resolve(".slipway"));
        Path log = tmp.resolve("server.log");

        server = startServer(home, Files.createDirectories(tmp.resolve("passwd-home")), log);
        await().atMost(Duration.ofSeconds(60))
                .failFast("the server exited", () -> !server.isAlive())
                .until(() -> listeningUrl(log), u -> u != null);

        assertThat(Files.readString(log))
                .contains("first admin token written to " + legacy.resolve("admin-token"))
                .contains("Slipway's state is in " + legacy)
                .contains("mv " + legacy + " " + home.resolve(".local/state/slipway"));
        assertThat(mode(legacy)).as("narrowed for the database").isEqualTo("rwx------");
        assertThat(home.resolve(".local/state/slipway")).doesNotExist();
    }

    private static Process startServer(Path home, Path passwdHome, Path log) throws Exception {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + passwdHome,
                "-XX:-UsePerfData",
                "-cp",
                System.getProperty("java.class.path"),
                ServerMain.class.getName(),
                "--port",
                "0",
                "--router-port",
                "0");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        TestHome.isolate(builder.environment(), home);
        return builder.start();
    }

    /** The server's URL once it has printed its start-up lines (the admin token's file is the last one). */
    private static String listeningUrl(Path log) throws Exception {
        if (!Files.exists(log) || !Files.readString(log).contains("first admin token written to")) {
            return null;
        }
        Matcher m =
                Pattern.compile("listening on (http://127\\.0\\.0\\.1:[0-9]+)").matcher(Files.readString(log));
        return m.find() ? m.group(1) : null;
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
