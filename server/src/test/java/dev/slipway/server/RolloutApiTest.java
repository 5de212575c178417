package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.rollout.Analysis;
import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.rollout.RolloutStep;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.store.RequestSource;
import dev.slipway.testkit.TestClusters;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway server} runs rollouts and serves them: status, pause, resume, promote, abort and retry by hand, the
 * stages the routers long-poll, and a restarted server that takes its rollouts up where they were. The track calls
 * go to a recording stand-in for the deploy engine; no router is configured and the servers' clock stands still, so
 * no step moves on by itself: only what people do changes the rollout.
 */
class RolloutApiTest {
    static final RolloutKey KEY = new RolloutKey("shop", "production");
    static final String ROLLOUT = "/api/apps/shop/environments/production/rollout";

    @TempDir
    Path root;

    TestClusters clusters;
    ServerFixture fixture;
    ServerConfig config;
    RecordingTracks tracks = new RecordingTracks();
    SlipwayServer server;
    ApiClient admin;

    @BeforeEach
    void start() {
        clusters = TestClusters.start("east-1", "west-1");
        fixture = new ServerFixture(root, clusters);
        config = fixture.config("server-a");
        server = start(config);
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        ApiClient.Reply registered = admin.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        clusters.close();
    }

    SlipwayServer start(ServerConfig c) {
        return SlipwayServer.start(
                c,
                fixture.clock,
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                SecretSource.REDACTED,
                engine -> tracks);
    }

    /** rps 100 for 1m, 10% for 2m, full; cluster by cluster. */
    static RolloutSpec spec() {
        return new RolloutSpec(
                List.of(
                        new RolloutStep.Rps(100, Duration.ofMinutes(1)),
                        new RolloutStep.Percent(10, Duration.ofMinutes(2)),
                        new RolloutStep.Full()),
                new Analysis(
                        Duration.ofSeconds(10),
                        100,
                        new BigDecimal("0.01"),
                        Optional.of(Duration.ofMillis(800)),
                        new BigDecimal("1.5")),
                ClusterOrder.ONE_BY_ONE,
                SourceLocation.of(Path.of("slipway.yaml")));
    }

    void startRollout() {
        server.rollouts().start(KEY, spec(), "r7", List.of("east-1", "west-1"), "alice");
    }

    static Map<String, String> stagesOf(JsonNode reply) {
        Map<String, String> stages = new java.util.LinkedHashMap<>();
        reply.get("stages")
                .fields()
                .forEachRemaining(e -> stages.put(e.getKey(), e.getValue().asText()));
        return stages;
    }

    @Test
    void aRolloutIsShownPausedResumedAndAbortedOverTheApiEachStepInTheAuditLog() {
        startRollout();

        JsonNode status = admin.get(ROLLOUT).json();
        assertThat(status.get("revision").asText()).isEqualTo("r7");
        assertThat(status.get("startedBy").asText()).isEqualTo("alice");
        assertThat(status.get("clusterOrder").asText()).isEqualTo("one-by-one");
        assertThat(status.get("steps").toString()).contains("rps 100 for 1m", "full");
        JsonNode east = status.get("clusters").get(0);
        assertThat(east.get("cluster").asText()).isEqualTo("east-1");
        assertThat(east.get("status").asText()).isEqualTo("running");
        assertThat(east.get("step").asInt()).isEqualTo(1);
        assertThat(east.get("stage").asText()).isEqualTo("rps 100");
        JsonNode west = status.get("clusters").get(1);
        assertThat(west.get("status").asText()).isEqualTo("pending");
        assertThat(west.get("stage").asText()).isEqualTo("off");
        ApiClient.Reply paused = admin.post(ROLLOUT + "/pause", "{\"reason\": \"checking the dashboards\"}");
        assertThat(paused.status()).as(paused.body()).isEqualTo(200);
        assertThat(paused.json().at("/clusters/0/status").asText()).isEqualTo("paused");
        assertThat(paused.json().at("/clusters/0/pause").asText()).isEqualTo("by_hand");
        assertThat(paused.json().at("/clusters/0/stage").asText())
                .as("a pause holds the split")
                .isEqualTo("rps 100");
        assertThat(admin.audit("rollout.pause")).anySatisfy(e -> {
            assertThat(e.get("actor").asText()).isNotEqualTo("controller");
            assertThat(e.get("target").asText()).isEqualTo("shop/production/east-1");
            assertThat(e.get("details").asText()).contains("checking the dashboards");
            assertThat(e.get("source").asText())
                    .as("the caller's source, not the server's")
                    .isNotEqualTo("server");
        });

        ApiClient.Reply again = admin.post(ROLLOUT + "/pause", "");
        assertThat(again.status()).as(again.body()).isEqualTo(409);
        assertThat(again.contentType()).startsWith("application/problem+json");
        assertThat(again.body()).contains("nothing to pause");

        ApiClient.Reply resumed = admin.post(ROLLOUT + "/resume", "");
        assertThat(resumed.status()).as(resumed.body()).isEqualTo(200);
        assertThat(resumed.json().at("/clusters/0/status").asText()).isEqualTo("running");
        assertThat(admin.audit("rollout.resume")).hasSize(1);

        ApiClient.Reply aborted = admin.post(ROLLOUT + "/abort", "{\"reason\": \"p99 looks wrong\"}");
        assertThat(aborted.status()).as(aborted.body()).isEqualTo(200);
        assertThat(aborted.json().at("/clusters/0/stage").asText()).isEqualTo("off");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(tracks.calls)
                        .contains("abort shop/production east-1", "abort shop/production west-1"));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                admin.get(ROLLOUT).json().get("settled").asBoolean())
                        .isTrue());
        JsonNode stopped = admin.get(ROLLOUT).json();
        assertThat(stopped.at("/clusters/0/status").asText()).isEqualTo("aborted");
        assertThat(stopped.at("/clusters/1/status").asText()).isEqualTo("aborted");
        assertThat(stopped.at("/clusters/0/reason").asText()).contains("p99 looks wrong");
        assertThat(admin.audit("rollout.abort"))
                .anySatisfy(e -> assertThat(e.get("details").asText()).contains("p99 looks wrong"));
        assertThat(tracks.calls).noneMatch(c -> c.startsWith("promote-stable"));
        assertThat(admin.audit("rollout.start"))
                .singleElement()
                .satisfies(e -> assertThat(e.get("details").asText()).contains("r7", "east-1, west-1"));

        ApiClient.Reply resumeStopped = admin.post(ROLLOUT + "/resume", "");
        assertThat(resumeStopped.status()).isEqualTo(409);
        ApiClient.Reply retried = admin.post(ROLLOUT + "/retry", "{\"reason\": \"p99 fixed in r8\"}");
        assertThat(retried.status()).as(retried.body()).isEqualTo(200);
        assertThat(admin.audit("rollout.retry"))
                .singleElement()
                .satisfies(e -> assertThat(e.get("details").asText()).contains("p99 fixed in r8"));
        assertThat(retried.json().at("/clusters/0/status").asText()).isEqualTo("running");
        assertThat(retried.json().at("/clusters/0/step").asInt()).isEqualTo(1);
    }

    @Test
    void aDeployThatBroughtCanariesUpStartsTheRolloutOfItsSlipwayYamlOnThoseClusters() throws Exception {
        Path dir = java.nio.file.Files.createDirectories(root.resolve("with-rollout"));
        java.nio.file.Files.writeString(dir.resolve("slipway.yaml"), """
                app: shop
                environments:
                  production:
                    group: production
                    namespace: shop
                    rollout:
                      steps: [optin, {percent: 10, for: 30m}, full]
                      analysis: {interval: 10s, minRequests: 100, maxErrorRate: 1%, maxP99: 800ms}
                      clusters: together
                services:
                  - name: web
                    image: shop/web:2
                    port: 8080
                """);
        dev.slipway.core.spec.App app = dev.slipway.core.spec.AppLoader.load(dir);
        dev.slipway.core.deploy.DeployReport inPlace = new dev.slipway.core.deploy.DeployReport(
                "shop", "production", List.of(deployed("east-1"), deployed("west-1")), List.of());
        assertThat(server.rollouts()
                        .afterDeploy("shop", "production", app, inPlace, "abc123", "bob", RequestSource.CLI))
                .as("deployed in place: no canary, no rollout")
                .isEmpty();
        assertThat(admin.get(ROLLOUT).status()).isEqualTo(404);

        dev.slipway.core.deploy.DeployReport canaries = new dev.slipway.core.deploy.DeployReport(
                "shop",
                "production",
                List.of(
                        deployed("east-1").on(dev.slipway.core.rollout.Track.CANARY),
                        deployed("west-1").on(dev.slipway.core.rollout.Track.CANARY)),
                List.of());
        assertThat(server.rollouts()
                        .afterDeploy("shop", "production", app, canaries, "abc123", "bob", RequestSource.CLI))
                .isPresent();

        JsonNode status = admin.get(ROLLOUT).json();
        assertThat(status.get("revision").asText()).isEqualTo("abc123");
        assertThat(status.get("startedBy").asText()).isEqualTo("bob");
        assertThat(status.get("clusterOrder").asText()).isEqualTo("together");
        assertThat(status.at("/clusters/0/stage").asText()).isEqualTo("optin");
        assertThat(status.at("/clusters/1/stage").asText()).isEqualTo("optin");
        assertThat(server.rollouts().following()).contains(KEY);
        assertThat(admin.audit("rollout.start")).singleElement().satisfies(e -> {
            assertThat(e.get("actor").asText()).isEqualTo("bob");
            assertThat(e.get("source").asText()).isEqualTo("cli");
        });

        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> server.rollouts()
                        .afterDeploy("shop", "production", app, canaries, "def456", "carol", RequestSource.CLI)))
                .isInstanceOf(dev.slipway.core.InvalidInputException.class)
                .hasMessageContaining("under way");
    }

    static dev.slipway.core.deploy.ClusterResult deployed(String cluster) {
        return dev.slipway.core.deploy.ClusterResult.deployed(
                new dev.slipway.core.plan.ClusterPlan(cluster, "shop", true, java.util.OptionalInt.of(1), List.of()),
                2);
    }

    @Test
    void theJavaClientReadsAndDrivesARollout() throws Exception {
        dev.slipway.api.SlipwayClient client = dev.slipway.api.SlipwayClient.withToken(
                server.url(), ServerFixture.adminToken(config), Optional.empty());
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> client.rollout("shop", "production")))
                .isInstanceOf(dev.slipway.core.InvalidInputException.class)
                .hasMessageContaining("has no rollout");
        startRollout();

        dev.slipway.api.Rollout rollout = client.rollout("shop", "production");
        assertThat(rollout.revision()).isEqualTo("r7");
        assertThat(rollout.steps()).containsExactly("rps 100 for 1m", "10% for 2m", "full");
        assertThat(rollout.clusters())
                .extracting(dev.slipway.api.RolloutCluster::stage)
                .containsExactly("rps 100", "off");
        assertThat(rollout.clusters().get(0).stepEnteredAt()).isPresent();

        dev.slipway.api.Rollout paused = client.pauseRollout("shop", "production", Optional.of("lunch"));
        assertThat(paused.clusters().get(0).status()).isEqualTo("paused");
        assertThat(paused.clusters().get(0).pause()).contains("by_hand");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                        () -> client.pauseRollout("shop", "production", Optional.empty())))
                .isInstanceOf(dev.slipway.core.InvalidInputException.class)
                .hasMessageContaining("nothing to pause");
        assertThat(client.resumeRollout("shop", "production", Optional.empty())
                        .clusters()
                        .get(0)
                        .status())
                .isEqualTo("running");

        dev.slipway.api.RolloutStages stages = client.rolloutStages("shop", "production", 0, Duration.ZERO);
        assertThat(stages.stages()).containsExactly(Map.entry("east-1", "rps 100"), Map.entry("west-1", "off"));
        dev.slipway.api.Rollout promoted = client.promoteRollout("shop", "production", Optional.of("looks good"));
        assertThat(promoted.clusters()).allSatisfy(c -> assertThat(c.status()).isIn("promoting", "promoted"));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> assertThat(client.rollout("shop", "production").promoted())
                                .isTrue());
        assertThat(tracks.calls)
                .containsSubsequence(
                        "promote-stable shop/production east-1",
                        "remove-canary shop/production east-1",
                        "promote-stable shop/production west-1",
                        "remove-canary shop/production west-1");
        assertThat(admin.audit("rollout.promote"))
                .anySatisfy(e -> assertThat(e.get("details").asText()).contains("looks good"));

        List<dev.slipway.api.RolloutTransition> transitions = client.rolloutTransitions("shop", "production", 100);
        assertThat(transitions)
                .extracting(t -> t.action() + " " + t.cluster().orElse("-"))
                .startsWith("rollout.start -")
                .containsSubsequence(
                        "rollout.pause east-1",
                        "rollout.resume east-1",
                        "rollout.promote east-1",
                        "rollout.promoted west-1");
        assertThat(transitions)
                .filteredOn(t -> t.action().equals("rollout.pause"))
                .singleElement()
                .satisfies(t -> {
                    assertThat(t.actor()).isNotEqualTo("controller");
                    assertThat(t.details()).contains("lunch");
                });
        assertThat(client.rolloutTransitions("shop", "production", 2))
                .as("the newest two, oldest first")
                .extracting(dev.slipway.api.RolloutTransition::action)
                .endsWith("rollout.promoted");
        assertThat(client.rolloutTransitions("shop", "staging", 100)).isEmpty();
    }

    @Test
    void anEnvironmentWithoutARolloutAnswers404AndNoStages() {
        ApiClient.Reply none = admin.get("/api/apps/shop/environments/staging/rollout");
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.contentType()).startsWith("application/problem+json");
        assertThat(none.body()).contains("has no rollout");
        assertThat(admin.post("/api/apps/shop/environments/staging/rollout/pause", "")
                        .status())
                .isEqualTo(404);
        JsonNode stages =
                admin.get("/api/apps/shop/environments/staging/rollout/stages").json();
        assertThat(stages.get("version").asLong()).isZero();
        assertThat(stagesOf(stages)).isEmpty();
        assertThat(admin.get("/api/apps/shop/environments/nowhere/rollout").status())
                .isEqualTo(404);
    }

    @Test
    void aReadOnlyTokenReadsTheRolloutButCannotChangeIt() {
        startRollout();
        String secret = admin.post("/api/tokens", "{\"name\": \"dashboards\", \"scope\": \"read\"}")
                .json()
                .get("secret")
                .asText();
        ApiClient reader = admin.as(secret);
        assertThat(reader.get(ROLLOUT).status()).isEqualTo(200);
        assertThat(reader.get(ROLLOUT + "/stages").status()).isEqualTo(200);
        assertThat(reader.get(ROLLOUT + "/transitions")
                        .json()
                        .get(0)
                        .get("action")
                        .asText())
                .as("a read token sees the rollout's transitions, not the whole audit log")
                .isEqualTo("rollout.start");
        assertThat(reader.get("/api/audit").status()).isEqualTo(403);
        for (String action : List.of("pause", "resume", "promote", "abort", "retry")) {
            ApiClient.Reply refused = reader.post(ROLLOUT + "/" + action, "");
            assertThat(refused.status()).as(action + ": " + refused.body()).isEqualTo(403);
        }
        assertThat(admin.get(ROLLOUT).json().at("/clusters/0/status").asText()).isEqualTo("running");
        assertThat(admin.audit("rollout.pause")).isEmpty();
        assertThat(tracks.calls).isEmpty();
    }

    @Test
    void theStagesLongPollAnswersAtOnceForAnOldVersionAndWaitsForANewOne() throws Exception {
        startRollout();
        JsonNode first = admin.get(ROLLOUT + "/stages?after=0&waitSeconds=30").json();
        long version = first.get("version").asLong();
        assertThat(version).isPositive();
        assertThat(stagesOf(first)).containsExactly(Map.entry("east-1", "rps 100"), Map.entry("west-1", "off"));

        JsonNode old = admin.get(ROLLOUT + "/stages?after=" + (version - 1) + "&waitSeconds=30")
                .json();
        assertThat(old.get("version").asLong()).isEqualTo(version);

        CompletableFuture<ApiClient.Reply> waiting = CompletableFuture.supplyAsync(
                () -> admin.get(ROLLOUT + "/stages?after=" + version + "&waitSeconds=30"));
        // A pause holds the split: no new version, the poll keeps waiting.
        assertThat(admin.post(ROLLOUT + "/pause", "").status()).isEqualTo(200);
        assertThat(waiting).isNotDone();

        assertThat(admin.post(ROLLOUT + "/abort", "{\"reason\": \"enough\"}").status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
        JsonNode changed = waiting.get().json();
        assertThat(changed.get("version").asLong()).isGreaterThan(version);
        assertThat(stagesOf(changed)).containsEntry("east-1", "off");

        ApiClient.Reply bad = admin.get(ROLLOUT + "/stages?after=soon");
        assertThat(bad.status()).isEqualTo(400);
    }

    @Test
    void aRouterStageSourceFollowsTheServerKeepsItsStagesWhileTheServerIsDownAndFollowsItsRestart() throws Exception {
        startRollout();
        int port = server.port();
        ServerConfig samePort = config.withBind("127.0.0.1", port);
        dev.slipway.api.SlipwayClient client = dev.slipway.api.SlipwayClient.withToken(
                server.url(), ServerFixture.adminToken(config), Optional.empty());
        var settings = new dev.slipway.rollout.feed.HttpStageSource.Settings(
                Duration.ofSeconds(2), Duration.ofMillis(50), Duration.ofMillis(400));
        try (var source = dev.slipway.rollout.feed.HttpStageSource.follow(client, "shop", "production", settings)) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            source.current().stage("web", "east-1").describe().equals("rps 100"));
            assertThat(source.status().isStale()).isFalse();

            assertThat(admin.post(ROLLOUT + "/abort", "{\"reason\": \"router test\"}")
                            .status())
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            source.current().stage("web", "east-1").describe().equals("off"));
            assertThat(admin.post(ROLLOUT + "/retry", "").status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            source.current().stage("web", "east-1").describe().equals("rps 100"));

            server.close();
            server = null;
            // A poll under way when the server stopped may only end at its timeout (its wait + the grace).
            await().atMost(Duration.ofSeconds(15)).until(() -> source.status().isStale());
            assertThat(source.current().stage("web", "east-1").describe())
                    .as("the last good stage, while the server is down")
                    .isEqualTo("rps 100");

            long before = source.version();
            server = start(samePort);
            await().atMost(Duration.ofSeconds(15)).until(() -> !source.status().isStale());
            assertThat(source.version())
                    .as("the restarted server's versions are above the old ones")
                    .isGreaterThan(before);
            assertThat(source.current().stage("web", "east-1").describe()).isEqualTo("rps 100");
            assertThat(source.current().stage("web", "west-1").describe()).isEqualTo("off");
        }
    }

    /**
     * Two servers on one database: the routers may long-poll either. The one whose controller did not make a change
     * serves it within a second or two of the other storing it.
     */
    @Test
    void everyServerOnTheDatabaseServesTheSameStages() throws Exception {
        server.close();
        server = null;
        dev.slipway.store.StoreConfig database = PostgresSchemas.fresh();
        server = start(fixture.config("shared-a", database));
        try (SlipwayServer b = start(fixture.config("shared-b", database))) {
            twoServersServeTheSameStages(b, database);
        } finally {
            server.close();
            server = null;
            PostgresSchemas.drop(database);
        }
    }

    private void twoServersServeTheSameStages(SlipwayServer b, dev.slipway.store.StoreConfig database)
            throws Exception {
        ApiClient onA = new ApiClient(server.url(), ServerFixture.adminToken(fixture.config("shared-a", database)));
        assertThat(onA.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}")
                        .status())
                .isEqualTo(201);
        String token = onA.post("/api/tokens", "{\"name\": \"router\", \"scope\": \"read\"}")
                .json()
                .get("secret")
                .asText();
        ApiClient onB = new ApiClient(b.url(), token);
        startRollout();

        JsonNode first = onB.get(ROLLOUT + "/stages").json();
        assertThat(stagesOf(first)).containsExactly(Map.entry("east-1", "rps 100"), Map.entry("west-1", "off"));
        assertThat(onB.get(ROLLOUT).json().at("/clusters/0/status").asText()).isEqualTo("running");

        long version = first.get("version").asLong();
        CompletableFuture<ApiClient.Reply> waiting =
                CompletableFuture.supplyAsync(() -> onB.get(ROLLOUT + "/stages?after=" + version + "&waitSeconds=30"));
        assertThat(onA.post(ROLLOUT + "/abort", "{\"reason\": \"seen on A\"}").status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
        assertThat(stagesOf(waiting.get().json())).containsEntry("east-1", "off");
        assertThat(onB.get(ROLLOUT).json().at("/clusters/0/reason").asText()).contains("seen on A");
    }

    @Test
    void aServerRestartedMidRolloutResumesAtTheSameStepWithTheSameSplit() {
        startRollout();
        assertThat(admin.post(ROLLOUT + "/pause", "").status()).isEqualTo(200);
        assertThat(admin.post(ROLLOUT + "/resume", "").status()).isEqualTo(200);
        JsonNode before = admin.get(ROLLOUT).json();
        int steps = admin.audit("rollout.step").size();

        server.close();
        server = null;
        server = start(config);
        ApiClient again = new ApiClient(server.url(), ServerFixture.adminToken(config));

        assertThat(server.rollouts().following()).containsExactly(KEY);
        JsonNode after = again.get(ROLLOUT).json();
        for (int i = 0; i < 2; i++) {
            for (String field : List.of("cluster", "status", "step", "stage", "stepEnteredAt")) {
                assertThat(after.at("/clusters/" + i + "/" + field))
                        .as(field + " of cluster " + i)
                        .isEqualTo(before.at("/clusters/" + i + "/" + field));
            }
        }
        assertThat(after.get("revision")).isEqualTo(before.get("revision"));
        // The restarted server's board has the stored stages again, at a version above the old server's.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> assertThat(stagesOf(again.get(ROLLOUT + "/stages").json()))
                                .containsExactly(Map.entry("east-1", "rps 100"), Map.entry("west-1", "off")));
        assertThat(again.audit("rollout.step")).as("no step entered again").hasSize(steps);
        assertThat(tracks.calls).isEmpty();
    }
}
