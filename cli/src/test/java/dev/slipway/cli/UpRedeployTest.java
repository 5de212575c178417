package dev.slipway.cli;

import static dev.slipway.cli.LocalFixtures.awaitReady;
import static dev.slipway.cli.LocalFixtures.get;
import static dev.slipway.cli.LocalFixtures.pids;
import static dev.slipway.cli.LocalFixtures.port;
import static dev.slipway.cli.LocalFixtures.read;
import static dev.slipway.cli.LocalFixtures.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway up DIR} while that app already runs: a rolling redeploy of the running app, which costs no request
 * and leaves the running revision serving when the new one does not come up.
 */
class UpRedeployTest {
    private static final Path PREDICT =
            Path.of("..").toAbsolutePath().normalize().resolve("examples/predict");

    @TempDir
    Path home;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void runningUpAgainRollsTheAppToTheNextRevisionWithoutAFailedRequest() throws Exception {
        Path state = home.resolve("state");
        Path output = home.resolve("up.out");
        Process up = start(home, state, output, "up", PREDICT.toString(), "--port", "0", "--grace", "3s");
        processes.add(up);
        Path file = state.resolve("run/predict.json");
        JsonNode running = awaitReady(file, up::isAlive, output);
        List<Long> before = pids(running);
        String base = running.path("url").asText().replace("predict.localhost", "127.0.0.1");
        CliRun cli = new CliRun(home, home)
                .env("SLIPWAY_STATE_DIR", state.toString())
                .env("PATH", System.getenv("PATH"));

        UpCommandTest.Load load = new UpCommandTest.Load(base);
        load.start();
        CliRun.Result again;
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 20);
            again = cli.run("up", PREDICT.toString(), "--grace", "3s");
            int served = load.ok.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > served + 20);
        } finally {
            load.stop();
        }
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out())
                .contains("predict already runs (pid " + up.pid())
                .contains("rolling predict from rev 1 to rev 2")
                .contains("predict/local-1/0: rev 2 ready on port")
                .contains("predict/local-1/1: rev 1 stopped")
                .contains("predict rev 2 serves " + running.path("url").asText());
        assertThat(load.failures).isEmpty();

        JsonNode now = read(file);
        assertThat(now.path("replicas")).hasSize(2);
        now.path("replicas").forEach(r -> assertThat(r.path("rev").asInt()).isEqualTo(2));
        assertThat(pids(now)).doesNotContainAnyElementsOf(before);
        UpCommandTest.awaitGroupsGone(before);
        assertThat(cli.run("ps").out())
                .contains("local-1  0        2    ready")
                .contains("local-1  1        2    ready");
    }

    @Test
    void aRevisionThatDoesNotComeUpLeavesTheRunningOneServing() throws Exception {
        Path app = LocalFixtures.demo(home, "exec python3 server.py");
        Path state = home.resolve("state");
        Path output = home.resolve("up.out");
        Process up = start(home, state, output, "up", app.toString(), "--port", "0", "--grace", "1s");
        processes.add(up);
        JsonNode running = awaitReady(state.resolve("run/demo.json"), up::isAlive, output);
        int port = port(running);
        assertThat(get(port, "demo.localhost", "/")).isEqualTo("rev=1 lab=");
        CliRun cli = new CliRun(home, home).env("SLIPWAY_STATE_DIR", state.toString());

        CliRun.Result otherPort = cli.run("up", app.toString(), "--port", "9", "--clusters", "2");
        assertThat(otherPort.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(otherPort.err())
                .contains("cannot change --port 9 (it runs with 0), --clusters 2 (it runs with 1)")
                .contains("slipway down demo");

        String good = Files.readString(app.resolve("slipway.yaml"));
        Files.writeString(app.resolve("slipway.yaml"), good.replace("exec python3 server.py", "exit 3"));
        CliRun.Result broken = cli.run("up", app.toString());
        assertThat(broken.exitCode()).as(broken.toString()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(broken.err())
                .contains("rev 2 did not become ready, so rev 1 keeps serving")
                .contains("web/local-1/0 (rev 2): service web: exited at once with code 3")
                .contains("slipway logs demo");
        assertThat(get(port, "demo.localhost", "/")).isEqualTo("rev=1 lab=");
        assertThat(read(state.resolve("run/demo.json")).path("phase").asText()).isEqualTo("ready");

        Files.writeString(app.resolve("slipway.yaml"), good);
        CliRun.Result fixed = cli.run("up", app.toString());
        assertThat(fixed.exitCode()).as(fixed.toString()).isZero();
        assertThat(get(port, "demo.localhost", "/")).isEqualTo("rev=2 lab=");
    }
}
