package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testkit.TestHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code HOME=$(mktemp -d) slipway up} keeps its state under that home, owner-only, whatever user.home says. */
class CliHomeTest {

    @TempDir
    Path tmp;

    private Process up;

    @AfterEach
    void stop() throws Exception {
        if (up != null && up.isAlive()) {
            up.destroy();
            if (!up.waitFor(30, TimeUnit.SECONDS)) {
                up.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void upUnderATemporaryHomeWritesItsStateThereAndNothingUnderUserHome() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path passwdHome = Files.createDirectories(tmp.resolve("passwd-home"));
        Path app = LocalFixtures.demo(tmp.resolve("apps"), "exec python3 server.py");
        Path output = tmp.resolve("up.out");
        ProcessBuilder pb = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Duser.home=" + passwdHome,
                        "-XX:-UsePerfData",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "up",
                        app.toString(),
                        "--port",
                        "0",
                        "--grace",
                        "2s"))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        TestHome.isolate(pb.environment(), home);
        up = pb.start();

        Path state = home.resolve(".local/state/slipway");
        JsonNode ready = LocalFixtures.awaitReady(state.resolve("run/demo.json"), up::isAlive, output);

        assertThat(ready.path("pid").asLong()).isEqualTo(up.pid());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
                .isEqualTo("rwx------");
        assertThat(state.resolve("logs/demo.log")).exists();
        try (Stream<Path> files = Files.list(passwdHome)) {
            assertThat(files).as("nothing under user.home").isEmpty();
        }
        try (Stream<Path> all = Files.walk(tmp, 1)) {
            assertThat(all.filter(p -> !p.equals(tmp)).map(p -> p.getFileName().toString()))
                    .as("nothing outside $HOME but the test's own files")
                    .containsExactlyInAnyOrder("home", "passwd-home", "apps", "up.out");
        }
    }

    @Test
    void aLegacyStateDirectoryIsStillUsedAndTheWayToMoveItIsSaidOnce() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path legacy = Files.createDirectories(home.resolve(".slipway"));
        CliRun cli = new CliRun(home, home);

        CliRun.Result first = cli.run("ps");
        CliRun.Result second = cli.run("ps");

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.err())
                .contains("Slipway's state is in " + legacy)
                .contains("mv " + legacy + " " + home.resolve(".local/state/slipway"));
        assertThat(second.err()).doesNotContain("Slipway's state is in");
        assertThat(home.resolve(".local/state/slipway")).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(legacy)))
                .isEqualTo("rwx------");
    }
}
