package dev.slipway.cli;

import static dev.slipway.cli.LocalFixtures.awaitReady;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In a terminal, slipway up keeps one status table at the bottom, redrawn in place, with the logs above it. */
class UpTerminalTest {
    @TempDir
    Path home;

    private Thread up;

    @AfterEach
    void stop() throws InterruptedException {
        if (up != null && up.isAlive()) {
            up.interrupt();
            up.join(Duration.ofSeconds(30).toMillis());
        }
    }

    @Test
    void theStatusTableIsShownOnceAtTheBottomWithTheLogsAboveIt() throws Exception {
        Path app = LocalFixtures.demo(home, "exec python3 server.py");
        Path state = home.resolve("state");
        CliRun cli = new CliRun(home, home)
                .env("SLIPWAY_STATE_DIR", state.toString())
                .env("PATH", System.getenv("PATH"))
                .env("COLUMNS", "200")
                .terminal(true);
        AtomicReference<CliRun.Result> result = new AtomicReference<>();
        up = new Thread(() -> result.set(cli.run("up", app.toString(), "--port", "0", "--grace", "1s")));
        up.start();
        awaitReady(state.resolve("run/demo.json"), up::isAlive, home.resolve("none"));
        up.interrupt();
        up.join(Duration.ofSeconds(30).toMillis());

        String raw = result.get().out();
        assertThat(raw).as("redrawn in place, not reprinted").contains("\u001b[");
        List<String> screen = TerminalScreen.of(raw);
        assertThat(screen.stream().filter(l -> l.startsWith("SERVICE")))
                .as("one table on screen, however often it changed")
                .hasSize(1);
        int table = screen.indexOf(
                screen.stream().filter(l -> l.startsWith("SERVICE")).findFirst().orElseThrow());
        assertThat(screen.subList(0, table))
                .as("logs and slipway's own lines scroll above the table")
                .anySatisfy(l -> assertThat(l).contains("ready: http://demo.localhost:"))
                .anySatisfy(l -> assertThat(l).contains("stopped demo"));
        assertThat(screen.subList(table + 1, screen.size()))
                .as("the rows below the header are replicas")
                .isNotEmpty()
                .allSatisfy(l -> assertThat(l).startsWith("web"));
    }
}
