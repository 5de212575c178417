package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.rollout.Track;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.rollout.controller.FileRolloutStore;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutEvents;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.Tracks;
import dev.slipway.rollout.feed.StageFile;
import dev.slipway.rollout.feed.StageFileTraffic;
import dev.slipway.router.Stage;
import dev.slipway.testkit.TestClusters;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Help.Ansi;

/** {@code slipway rollout status|pause|resume|promote|abort|retry} on this machine's rollout files. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolloutCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final RolloutKey KEY = new RolloutKey("shop", "production");

    TestClusters clusters;

    @TempDir
    Path tmp;

    Path app;
    Path state;
    CliRun cli;

    @BeforeAll
    void startClusters() {
        clusters = TestClusters.start("east-1", "west-1");
    }

    @AfterAll
    void stopClusters() {
        clusters.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        app = RolloutFixtures.app(tmp, "[optin, {percent: 50, for: 10m}, full]");
        Path clustersFile = Files.writeString(tmp.resolve("clusters.yaml"), clusters.clustersFile("production", false));
        state = tmp.resolve("slipway/state");
        cli = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_HOME", tmp.resolve("slipway").toString())
                .env("KUBECONFIG", clusters.kubeconfig().toString())
                .env("SLIPWAY_CLUSTERS", clustersFile.toString())
                .env("USER", "alice");
    }

    /** What a deploy does: the rollout started in the files, its canaries up (tracks that do nothing here). */
    void startRollout() {
        RolloutFixtures.start(state, app, List.of("east-1", "west-1"));
    }

    CliRun.Result rollout(String... args) {
        String[] full = new String[args.length + 6];
        full[0] = "rollout";
        System.arraycopy(args, 0, full, 1, args.length);
        full[args.length + 1] = "shop";
        full[args.length + 2] = "--env";
        full[args.length + 3] = "production";
        full[args.length + 4] = "--app-dir";
        full[args.length + 5] = app.toString();
        return cli.run(full);
    }

    JsonNode statusJson() throws IOException {
        CliRun.Result r = rollout("status", "--output", "json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return JSON.readTree(r.out());
    }

    Stage stage(String cluster) {
        return StageFile.read(StageFile.defaultPath(state, "shop", "production"))
                .stage("web", cluster);
    }

    @Test
    void statusWithoutARolloutSaysSoAndHowToStartOne() {
        CliRun.Result r = rollout("status");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err())
                .contains("there is no rollout of shop in production on this machine")
                .contains(state.resolve("rollouts").toString())
                .contains("slipway deploy DIR --env production");
        assertThat(r.err()).doesNotContain("Exception");
        assertThat(rollout("pause", "--reason", "x").exitCode()).isEqualTo(1);
    }

    @Test
    void aDamagedStateFileIsNamedWithWhatToDo() throws IOException {
        Path file = Files.createDirectories(state.resolve("rollouts/shop")).resolve("production.json");
        Files.writeString(file, "{\"version\": 1}");

        CliRun.Result r = rollout("status");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains(file.toString()).contains("move it away").doesNotContain("internal error");
    }

    @Test
    void statusShowsEachClustersStepAndTrafficInATable() {
        startRollout();

        CliRun.Result r = rollout("status");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("shop in production: revision 7, started by alice")
                .contains("steps: optin (until resumed by hand) → 50% for 10m → full (clusters one-by-one)")
                .containsPattern("CLUSTER +STATUS +STEP +TRAFFIC +REQUESTS +ERRORS +P99 CANARY +P99 STABLE +VERDICT")
                .containsPattern("east-1 +paused \\(opt-in\\) +1/3 optin +optin")
                .containsPattern("west-1 +pending +- +off")
                .contains("hint: only opted-in clients reach the canary; move on with `slipway rollout resume shop"
                        + " --env production`");
    }

    @Test
    void pauseResumeAndAbortRoundTripThroughTheCommands() throws IOException {
        startRollout();
        assertThat(stage("east-1")).isEqualTo(Stage.optIn());

        // at optin nothing runs, so there is nothing to pause: the controller's refusal, as advice
        CliRun.Result refused = rollout("pause", "--reason", "lunch");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("nothing to pause").contains("slipway rollout status shop --env production");

        CliRun.Result resumed = rollout("resume");
        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(resumed.out()).contains("rollout.resume").contains("(alice)").contains("Resumed.");
        assertThat(stage("east-1")).isEqualTo(Stage.percent(50));
        assertThat(statusJson().at("/clusters/0/status").asText()).isEqualTo("RUNNING");

        CliRun.Result paused = rollout("pause", "--reason", "waiting for the launch mail");
        assertThat(paused.exitCode()).as(paused.toString()).isZero();
        JsonNode afterPause = statusJson();
        assertThat(afterPause.at("/clusters/0/status").asText()).isEqualTo("PAUSED");
        assertThat(afterPause.at("/clusters/0/pause").asText()).isEqualTo("BY_HAND");
        assertThat(afterPause.at("/clusters/0/stage").asText()).isEqualTo("percent 50");
        assertThat(afterPause.at("/clusters/0/reason").asText()).contains("waiting for the launch mail");
        assertThat(stage("east-1")).isEqualTo(Stage.percent(50));

        CliRun.Result aborted = rollout("abort", "--reason", "checkout errors in the logs");
        assertThat(aborted.exitCode()).as(aborted.toString()).isZero();
        assertThat(aborted.out()).contains("rollout.abort").contains("checkout errors in the logs");
        JsonNode afterAbort = statusJson();
        assertThat(afterAbort.at("/clusters/0/status").asText()).isEqualTo("ABORTED");
        assertThat(afterAbort.at("/clusters/1/status").asText()).isEqualTo("ABORTED");
        assertThat(stage("east-1")).isEqualTo(Stage.off());

        CliRun.Result again = rollout("abort");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("nothing to abort");

        // every transition these commands made is in this machine's rollout audit log, who and why, in order
        CliRun.Result log = rollout("log");
        assertThat(log.exitCode()).as(log.toString()).isZero();
        assertThat(log.out())
                .containsSubsequence(
                        "rollout.resume  shop/production",
                        "(alice)",
                        "rollout.pause  shop/production/east-1  (alice): paused by alice: waiting for the launch mail",
                        "rollout.abort  shop/production",
                        "(alice)",
                        "checkout errors in the logs");
        assertThat(log.out()).doesNotContain("lunch"); // a refused pause changed nothing and is not a transition
        JsonNode json =
                JSON.readTree(rollout("log", "--limit", "1", "-o", "json").out());
        assertThat(json).hasSize(1);
        assertThat(json.get(0).get("action").asText()).isEqualTo("rollout.canary-removed");
        assertThat(json.get(0).get("actor").asText()).isEqualTo("controller");
        assertThat(json.get(0).get("cluster").asText()).isEqualTo("west-1");
        Path audit = state.resolve("rollouts/shop/production.audit.jsonl");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(audit)))
                .isEqualTo("rw-------");
    }

    @Test
    void promoteByHandSendsTheCanaryAllTrafficAndMovesStableThroughTheDeployEngine() throws IOException {
        startRollout();

        CliRun.Result promoted = rollout("promote");

        assertThat(promoted.exitCode()).as(promoted.toString()).isZero();
        assertThat(promoted.out())
                .contains("rollout.promote  shop/production/east-1  (alice)")
                .contains("rollout.promote  shop/production/west-1  (alice)");
        JsonNode s = statusJson();
        // stable is moved by the deploy engine's tracks; a call they could not make yet stays owed, shown as a problem
        assertThat(s.at("/clusters/0/status").asText()).isIn("PROMOTING", "PROMOTED");
        if (s.at("/clusters/0/status").asText().equals("PROMOTING")) {
            assertThat(stage("east-1")).isEqualTo(Stage.full());
            assertThat(s.at("/clusters/0/problem").asText()).isNotEmpty();
            assertThat(rollout("status").out())
                    .contains("problem: ")
                    .contains("still to do: move stable to the new revision");
        }
        assertThat(rollout("pause").exitCode()).isEqualTo(1);
    }

    @Test
    void stagesGoToTheFileTheRoutersWereToldToFollow() {
        startRollout();
        Path shared = tmp.resolve("shared/shop.stages.json");

        CliRun.Result resumed = rollout("resume", "--stages", shared.toString());

        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(StageFile.read(shared).stage("web", "east-1")).isEqualTo(Stage.percent(50));
        assertThat(StageFile.read(shared).stage("web", "west-1")).isEqualTo(Stage.off());
    }

    @Test
    void retryStartsAStoppedRolloutAgainFromItsFirstStep() throws IOException {
        RolloutFixtures.start(state, app, List.of("east-1", "west-1")).abort(KEY, "bob", "errors");

        CliRun.Result retried = rollout("retry");

        assertThat(retried.exitCode()).as(retried.toString()).isZero();
        assertThat(retried.out()).contains("rollout.retry");
        JsonNode s = statusJson();
        assertThat(s.at("/clusters/0/step").asInt()).isZero();
        assertThat(s.at("/clusters/0/pause").asText()).isEqualTo("OPT_IN");
    }

    @Test
    void aDeployThatBroughtCanariesUpStartsTheRolloutAndSaysWhatIsNext() throws IOException {
        // what the deploy engine reports for an environment with a rollout: canaries beside stable
        DeployReport report =
                new DeployReport("shop", "production", List.of(canary("east-1", 4), canary("west-1", 4)), List.of());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliContext context = new CliContext(
                Map.of("SLIPWAY_HOME", tmp.resolve("slipway").toString(), "USER", "carol"),
                tmp.resolve("home"),
                tmp,
                InputStream.nullInputStream(),
                false,
                Clock.systemUTC());
        ClusterOptions clusterOptions = new ClusterOptions();
        clusterOptions.clustersFile = tmp.resolve("clusters.yaml");
        RolloutSpec spec = AppLoader.load(app)
                .spec()
                .resolveEnvironment("production")
                .rollout()
                .orElseThrow();

        int code = DirectRollouts.startAfterDeploy(
                context,
                app,
                clusterOptions,
                spec,
                report,
                "abc123",
                false,
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                Ansi.OFF);

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("rollout.start  shop/production  (carol)")
                .contains("Canary up on east-1, west-1; run `slipway rollout run shop --env production` to move"
                        + " traffic, or `slipway rollout promote|abort shop --env production`");
        JsonNode s = statusJson();
        assertThat(s.path("revision").asText()).isEqualTo("4 (ref abc123)");
        assertThat(s.path("startedBy").asText()).isEqualTo("carol");
        assertThat(s.at("/clusters/0/stage").asText()).isEqualTo("optin");
        assertThat(stage("east-1")).isEqualTo(Stage.optIn());

        // a second deploy while it is under way: the rollout does not start over, and the user is told why
        StringWriter err2 = new StringWriter();
        int again = DirectRollouts.startAfterDeploy(
                context,
                app,
                clusterOptions,
                spec,
                report,
                "def456",
                false,
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err2, true),
                Ansi.OFF);
        assertThat(again).isEqualTo(1);
        assertThat(err2.toString()).contains("the rollout did not start").contains("is under way");
        assertThat(statusJson().path("revision").asText()).isEqualTo("4 (ref abc123)");
    }

    static ClusterResult canary(String cluster, int revision) {
        return new ClusterResult(
                cluster,
                ClusterResult.Outcome.DEPLOYED,
                Optional.empty(),
                OptionalInt.of(revision),
                Optional.empty(),
                Optional.of(Track.CANARY));
    }

    /** The seams a deploy would start the rollout with, the tracks doing nothing. */
    static final class RolloutFixtures {
        private RolloutFixtures() {}

        static Path app(Path dir, String steps) throws IOException {
            Path app = Files.createDirectories(dir.resolve("shop"));
            Files.writeString(app.resolve("slipway.yaml"), """
                    app: shop
                    environments:
                      production:
                        group: production
                        namespace: shop
                        rollout:
                          steps: %s
                          analysis: {interval: 1s, minRequests: 5, maxErrorRate: 5%%, maxP99: 2s, maxP99Ratio: 50}
                          clusters: one-by-one
                    services:
                      - {name: web, image: acme/web:1, port: 8080, health: /healthz}
                    """.formatted(steps));
            return app;
        }

        static RolloutController start(Path state, Path app, List<String> clusters) {
            RolloutController controller = new RolloutController(
                    new FileRolloutStore(state.resolve("rollouts")),
                    key -> {
                        throw new IllegalStateException("not judged here");
                    },
                    StageFileTraffic.under(state),
                    new Tracks() {
                        @Override
                        public void promoteStable(RolloutKey key, String cluster) {}

                        @Override
                        public void removeCanary(RolloutKey key, String cluster) {}

                        @Override
                        public void abort(RolloutKey key, String cluster) {}
                    },
                    RolloutEvents.none(),
                    Clock.systemUTC());
            controller.start(
                    KEY,
                    AppLoader.load(app)
                            .spec()
                            .environment("production")
                            .orElseThrow()
                            .rollout()
                            .orElseThrow(),
                    "7",
                    clusters,
                    "alice");
            return controller;
        }
    }
}
