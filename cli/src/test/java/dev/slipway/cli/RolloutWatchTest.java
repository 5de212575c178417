package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutKey;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway rollout status --watch} on this machine's rollout files, while another controller on the same
 * files (as {@code rollout pause|promote|abort} from another terminal) moves the rollout.
 */
class RolloutWatchTest {
    static final RolloutKey KEY = new RolloutKey("shop", "production");

    @TempDir
    Path tmp;

    Path app;
    RolloutController elsewhere;
    CliRun cli;

    @BeforeEach
    void start() throws IOException {
        app = RolloutCommandsTest.RolloutFixtures.app(tmp, "[{percent: 50, for: 1m}, full]");
        elsewhere = RolloutCommandsTest.RolloutFixtures.start(
                tmp.resolve("slipway/state"), app, List.of("east-1", "west-1"));
        cli = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_HOME", tmp.resolve("slipway").toString());
    }

    CompletableFuture<CliRun.Result> watch(StringWriter out, StringWriter err, CliRun on) {
        CompletableFuture<CliRun.Result> done = new CompletableFuture<>();
        new Thread(() -> done.complete(on.run(
                        out,
                        err,
                        "rollout",
                        "status",
                        "shop",
                        "--env",
                        "production",
                        "--app-dir",
                        app.toString(),
                        "--watch")))
                .start();
        return done;
    }

    @Test
    void watchShowsEachChangeAsAPlainLineSaysWhenItWaitsOnSomeoneAndEndsWithExitZeroOncePromoted() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<CliRun.Result> watch = watch(out, err, cli);
        await().atMost(Duration.ofSeconds(20))
                .failFast("watch ended: " + err, watch::isDone)
                .until(() ->
                        out.toString().contains("east-1  running  step 1/2 percent 50 for 1m  traffic percent 50"));

        elsewhere.pause(KEY, "bob", "checking the dashboards");
        await().atMost(Duration.ofSeconds(20))
                .failFast("watch ended: " + err, watch::isDone)
                .until(() -> out.toString()
                        .contains("waiting: east-1 paused by hand; continue with `slipway rollout resume shop --env"
                                + " production`"));
        elsewhere.promote(KEY, "bob");
        CliRun.Result result = watch.get(30, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out())
                .containsPattern("east-1  paused \\(by hand\\)  step 1/2 percent 50 for 1m  traffic percent 50:"
                        + " paused by bob: checking the dashboards")
                .containsPattern("west-1  promoted")
                .containsPattern("west-1 +promoted +2/2 full +off")
                .contains("Promoted: shop revision 7 is stable in production.")
                .doesNotContain("\u001b[");
    }

    @Test
    void anAbortEndsTheWatchWithExitOneAndWhy() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<CliRun.Result> watch = watch(out, err, cli);
        await().atMost(Duration.ofSeconds(20))
                .failFast("watch ended: " + err, watch::isDone)
                .until(() -> out.toString().contains("east-1  running"));

        elsewhere.abort(KEY, "bob", "p99 looks wrong");
        CliRun.Result result = watch.get(30, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(result.err())
                .contains("the rollout of shop revision 7 in production was stopped; traffic is on stable")
                .contains("east-1: aborted: aborted by bob: p99 looks wrong")
                .contains("slipway rollout retry shop --env production");
    }

    @Test
    void onATerminalTheTableIsRedrawnInPlaceBelowTheLines() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<CliRun.Result> watch =
                watch(out, err, cli.terminal(true).env("NO_COLOR", "1"));
        await().atMost(Duration.ofSeconds(20))
                .failFast("watch ended: " + err, watch::isDone)
                .until(() -> out.toString().contains("CLUSTER"));
        elsewhere.pause(KEY, "bob", "checking");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> TerminalScreen.of(out.toString()).stream()
                        .anyMatch(l -> l.matches("east-1 +paused \\(by hand\\) +1/2 percent 50 for 1m +percent 50.*")));
        elsewhere.promote(KEY, "bob");
        CliRun.Result result = watch.get(30, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<String> screen = TerminalScreen.of(result.out());
        // one table, the last one drawn, below the lines that scrolled
        assertThat(screen.stream().filter(l -> l.startsWith("CLUSTER"))).hasSize(1);
        assertThat(String.join("\n", screen))
                .containsPattern("east-1  paused \\(by hand\\)")
                .containsPattern("east-1 +promoted +2/2 full")
                .contains("Promoted: shop revision 7 is stable in production.");
        // the paused row was redrawn, not left on screen
        assertThat(screen).noneMatch(l -> l.matches("east-1 +paused \\(by hand\\) +1/2.*"));
    }

    @Test
    void aStoppedWatchingProcessSaysHowToWatchAgainAndLeavesTheRolloutAsItWas() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("process-state"));
        RolloutController here = RolloutCommandsTest.RolloutFixtures.start(state, app, List.of("east-1", "west-1"));
        Path output = tmp.resolve("watch.out");
        Process watch = LocalFixtures.start(
                Files.createDirectories(tmp.resolve("process-home")),
                state,
                output,
                "rollout",
                "status",
                "shop",
                "--env",
                "production",
                "--app-dir",
                app.toString(),
                "--watch");
        try {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("slipway rollout status --watch exited", () -> !watch.isAlive())
                    .until(() -> LocalFixtures.text(output).contains("east-1  running"));

            watch.destroy(); // SIGTERM, as Ctrl-C

            assertThat(watch.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(LocalFixtures.text(output))
                    .contains("Stopped watching; the rollout is where it was. Watch again with: slipway rollout status"
                            + " shop --env production --watch");
            assertThat(here.status(KEY)
                            .orElseThrow()
                            .cluster("east-1")
                            .orElseThrow()
                            .step())
                    .isZero();
        } finally {
            watch.destroyForcibly();
        }
    }

    @Test
    void watchWithJsonIsAUsageErrorAndWithoutARolloutSaysHowToStartOne() {
        CliRun.Result json = cli.run(
                "rollout",
                "status",
                "shop",
                "--env",
                "production",
                "--app-dir",
                app.toString(),
                "--watch",
                "-o",
                "json");
        assertThat(json.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(json.err()).contains("--watch shows the rollout to people");

        CliRun.Result none = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_HOME", tmp.resolve("elsewhere").toString())
                .run("rollout", "status", "shop", "--env", "production", "--app-dir", app.toString(), "--watch");
        assertThat(none.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(none.err()).contains("there is no rollout of shop in production on this machine");
    }
}
