package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway deploy --routers FILE} without a server: after bringing the canary up it moves the rollout as
 * {@code slipway rollout run} would and follows it until it settles; examples/predict (an opt-in first step, then
 * full) on three simulated clusters, steered from another client meanwhile. No router answers, so only what people
 * do moves the steps.
 */
class DeployFollowTest {
    static final Path EXAMPLES = Path.of("..").toAbsolutePath().normalize().resolve("examples");

    @TempDir
    Path tmp;

    TestClusters clusters;
    CliRun cli;
    Path app;
    Path routers;

    @BeforeEach
    void setUp() throws IOException {
        clusters = TestClusters.start("east-1", "east-2", "west-1");
        app = tmp.resolve("predict");
        try (var paths = Files.walk(EXAMPLES.resolve("predict"))) {
            for (Path p : paths.toList()) {
                Path target =
                        app.resolve(EXAMPLES.resolve("predict").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path spec = app.resolve("slipway.yaml");
        String yaml = Files.readString(spec);
        String shortSteps =
                yaml.replaceAll("steps: \\[.*]", "steps: [optin, full]").replaceAll("interval: 10s", "interval: 1s");
        assertThat(shortSteps).isNotEqualTo(yaml).contains("steps: [optin, full]");
        Files.writeString(spec, shortSteps);
        // a router nobody runs: its numbers cannot be read, so checks wait and no step moves on by itself
        routers = Files.writeString(tmp.resolve("routers.yaml"), "routers: [{admin: 'http://127.0.0.1:1'}]\n");
        cli = new CliRun(tmp.resolve("home"), tmp)
                .env("KUBECONFIG", clusters.kubeconfig().toString())
                .env("SLIPWAY_CLUSTERS", EXAMPLES.resolve("clusters.yaml").toString())
                .env("USER", "alice");
        var first = cli.run("deploy", app.toString(), "--env", "production", "--ref", "v1", "--timeout", "30s");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        Files.writeString(
                spec, Files.readString(spec).replaceAll("ghcr.io/acme/predict:[0-9.]+", "ghcr.io/acme/predict:1.4.0"));
    }

    @AfterEach
    void tearDown() {
        clusters.close();
    }

    /** The second deploy, following its rollout, on a thread of its own; {@code out} fills as it goes. */
    CompletableFuture<CliRun.Result> deployFollowing(StringWriter out, StringWriter err, CliRun on) {
        CompletableFuture<CliRun.Result> done = new CompletableFuture<>();
        Thread t = new Thread(() -> done.complete(on.run(
                out,
                err,
                "deploy",
                app.toString(),
                "--env",
                "production",
                "--ref",
                "v2",
                "--timeout",
                "30s",
                "--routers",
                routers.toString())));
        t.start();
        return done;
    }

    CliRun.Result rollout(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "rollout";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--env";
        all[args.length + 2] = "production";
        all[args.length + 3] = "--app-dir";
        all[args.length + 4] = app.toString();
        return cli.run(all);
    }

    String image(String cluster, String name) {
        Deployment d = clusters.cluster(cluster)
                .client()
                .apps()
                .deployments()
                .inNamespace("predict")
                .withName(name)
                .get();
        return d == null
                ? "none"
                : d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    @Test
    void aDeployFollowsItsRolloutThroughTheOptInStepToPromotedInPlainLines() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<CliRun.Result> deploy = deployFollowing(out, err, cli);

        await().atMost(Duration.ofSeconds(60))
                .failFast("the deploy ended: " + out + err, deploy::isDone)
                .until(() -> out.toString().contains("waiting:"));
        assertThat(out.toString())
                .contains("Canary up on east-1, east-2, west-1; following its rollout here")
                .contains(
                        "Following the rollout of predict revision 2 (ref v2) in production: optin (until resumed by hand) → full")
                .containsPattern("east-1  paused \\(opt-in\\)  step 1/2 optin  traffic optin")
                .containsPattern("east-2  pending  traffic off")
                .contains("east-1 at an opt-in step: only opted-in clients reach the canary; move on with `slipway"
                        + " rollout resume predict --env production`");

        // one cluster after the other: each waits at its opt-in step for a resume, then goes full and is promoted
        for (String cluster : new String[] {"east-1", "east-2", "west-1"}) {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("the deploy ended: " + out + err, deploy::isDone)
                    .until(() -> out.toString().contains(cluster + " at an opt-in step"));
            CliRun.Result resumed = rollout("resume", "predict");
            assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> out.toString().contains(cluster + "  promoted") || deploy.isDone());
        }
        CliRun.Result result = deploy.get(60, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out())
                .containsPattern("east-1  running  step 2/2 full  traffic full|east-1  promoting  step 2/2 full")
                .containsPattern("west-1  promoted  step 2/2 full  traffic off")
                .contains("Promoted: predict revision 2 (ref v2) is stable in production.")
                // the table once at the end, as rollout status shows it
                .containsPattern("west-1 +promoted +2/2 full +off")
                .doesNotContain("\u001b[");
        for (String c : new String[] {"east-1", "east-2", "west-1"}) {
            assertThat(image(c, "predict")).as("stable on %s", c).isEqualTo("ghcr.io/acme/predict:1.4.0");
            assertThat(image(c, "predict-canary")).as("canary on %s", c).isEqualTo("none");
        }
    }

    @Test
    void anAbortFromAnotherClientEndsTheFollowingDeployWithExitOneAndTheReason() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<CliRun.Result> deploy = deployFollowing(out, err, cli);
        await().atMost(Duration.ofSeconds(60))
                .failFast("the deploy ended: " + out + err, deploy::isDone)
                .until(() -> out.toString().contains("east-1 at an opt-in step"));

        CliRun.Result aborted = rollout("abort", "predict", "--reason", "checkout errors in the logs");
        assertThat(aborted.exitCode()).as(aborted.toString()).isZero();
        CliRun.Result result = deploy.get(60, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(result.out()).containsPattern("east-1  aborted .*checkout errors in the logs");
        assertThat(result.err())
                .contains("the rollout of predict revision 2 (ref v2) in production was stopped; traffic is on stable")
                .contains("east-1: aborted: aborted by alice: checkout errors in the logs")
                .contains("slipway rollout retry predict --env production");
        assertThat(image("east-1", "predict-canary")).isEqualTo("none");
        assertThat(image("east-1", "predict")).isEqualTo("ghcr.io/acme/predict:1.3.0");
    }

    @Test
    void noFollowStartsTheRolloutAndReturnsAsWithoutRouters() {
        CliRun.Result deploy = cli.run(
                "deploy",
                app.toString(),
                "--env",
                "production",
                "--ref",
                "v2",
                "--timeout",
                "30s",
                "--routers",
                routers.toString(),
                "--no-follow");

        assertThat(deploy.exitCode()).as(deploy.toString()).isZero();
        assertThat(deploy.out())
                .contains("Canary up on east-1, east-2, west-1; run `slipway rollout run predict --env production`")
                .doesNotContain("Following the rollout");
        assertThat(rollout("status", "predict").out()).containsPattern("east-1\\s+paused \\(opt-in\\)");
    }

    @Test
    void aDeployOnATerminalRedrawsTheTableBelowTheScrollingLinesAndCtrlCLeavesTheRolloutWhereItIs() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliRun terminal = new CliRun(tmp.resolve("home"), tmp)
                .env("KUBECONFIG", clusters.kubeconfig().toString())
                .env("SLIPWAY_CLUSTERS", EXAMPLES.resolve("clusters.yaml").toString())
                .env("USER", "alice")
                .terminal(true);
        CompletableFuture<CliRun.Result> deploy = new CompletableFuture<>();
        Thread t = new Thread(() -> deploy.complete(terminal.run(
                out,
                err,
                "deploy",
                app.toString(),
                "--env",
                "production",
                "--ref",
                "v2",
                "--timeout",
                "30s",
                "--routers",
                routers.toString(),
                "--no-color")));
        t.start();
        await().atMost(Duration.ofSeconds(60))
                .failFast("the deploy ended: " + out + err, deploy::isDone)
                .until(() -> TerminalScreen.of(out.toString()).stream()
                        .anyMatch(l -> l.matches("east-1 +paused \\(opt-in\\) +1/2 optin +optin.*")));

        t.interrupt(); // as Ctrl-C: following stops, the rollout stays
        CliRun.Result result = deploy.get(60, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("\u001b[");
        String screen = String.join("\n", TerminalScreen.of(result.out()));
        assertThat(screen)
                // the lines scrolled above the table, the table once, drawn in place
                .containsPattern("east-1  paused \\(opt-in\\)  step 1/2 optin")
                .containsPattern("CLUSTER +STATUS +STEP +TRAFFIC")
                .contains("Stopped following the rollout; it stays at its step, with the same traffic split."
                        + " Continue it with: slipway rollout run predict --env production --app-dir " + app
                        + " --routers " + routers);
        assertThat(screen.split("CLUSTER +STATUS", -1)).hasSize(2);
        assertThat(rollout("status", "predict").out()).containsPattern("east-1\\s+paused \\(opt-in\\)");
    }
}
