package dev.slipway.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.rollout.controller.ClusterHealth;
import dev.slipway.rollout.controller.ClusterRollout;
import dev.slipway.rollout.controller.ClusterStatus;
import dev.slipway.rollout.controller.EngineTracks;
import dev.slipway.rollout.controller.PauseCause;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutEvents;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutRunner;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RolloutStore;
import dev.slipway.rollout.controller.RouterClusterHealth;
import dev.slipway.rollout.controller.RouterTrafficStats;
import dev.slipway.rollout.controller.Verdict;
import dev.slipway.rollout.feed.ClusterFeed;
import dev.slipway.rollout.feed.FeedSettings;
import dev.slipway.rollout.feed.FixedStageSource;
import dev.slipway.rollout.feed.Stages;
import dev.slipway.router.RouterConfig;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/**
 * The whole rollout on a cluster group, parts as they run in production: the deploy engine brings the canary up
 * beside stable on two clusters (the stand-in API server assigns the NodePorts), real HTTP backends listen on
 * 127.0.0.1 at those nodePorts as the clusters' nodes would, a router fed by the clusters sends traffic by the
 * stages the controller sets, and the controller judges the router's own numbers and asks the engine to
 * promote or abort each cluster.
 */
class ClusterGroupRolloutTest {
    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final RolloutKey KEY = new RolloutKey("shop", "production");

    static {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    @TempDir
    Path dir;

    final MutableClock clock = MutableClock.of(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
    final HttpClient http = HttpClient.newHttpClient();
    final Map<String, HttpServer> backends = new HashMap<>();
    final AtomicBoolean canaryFails = new AtomicBoolean();
    final FixedStageSource stages = FixedStageSource.off();
    TestClusters clusters;
    DeployEngine engine;
    ClusterFeed feed;
    RolloutController controller;

    @BeforeEach
    void start() {
        clusters = TestClusters.start("east", "west");
        engine = new DeployEngine(KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())), clock);
    }

    @AfterEach
    void stop() {
        if (feed != null) {
            feed.close();
        }
        backends.values().forEach(b -> b.stop(0));
        clusters.close();
    }

    Rendering render(String image, String setting) {
        try {
            Files.createDirectories(dir.resolve("kubernetes"));
            Files.writeString(dir.resolve("slipway.yaml"), """
                    app: shop
                    manifests: kubernetes/
                    environments:
                      production:
                        group: production
                        namespace: shop
                        rollout:
                          steps: [{percent: 50, for: 20s}, full]
                          # Latency limits loose enough for a loaded two-core machine: this test is about the flow.
                          analysis: {interval: 10s, minRequests: 20, maxErrorRate: 1%%, maxP99: 2s, maxP99Ratio: 20}
                          clusters: one-by-one
                    services:
                      - {name: web, image: "%s", port: 8080, health: /healthz}
                    """.formatted(image));
            Files.writeString(dir.resolve("kubernetes/settings.yaml"), """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: settings}
                    data: {greeting: %s}
                    """.formatted(setting));
            Files.writeString(dir.resolve("clusters.yaml"), clustersFile());
            return new Renderer(SecretSource.REDACTED)
                    .render(AppLoader.load(dir), "production", ClustersConfigLoader.load(dir.resolve("clusters.yaml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The testkit's group, with every cluster's node on 127.0.0.1 (where the backends listen). */
    String clustersFile() {
        return clusters.clustersFile("production", false);
    }

    DeployReport deploy(Rendering rendering, String ref) {
        return engine.deploy(
                rendering,
                DeployOptions.by("alice").withRef(ref).withTimeout(Duration.ofSeconds(20)),
                DeployListener.NONE);
    }

    int nodePort(String cluster, String service) {
        return clusters.cluster(cluster)
                .client()
                .services()
                .inNamespace("shop")
                .withName(service)
                .get()
                .getSpec()
                .getPorts()
                .get(0)
                .getNodePort();
    }

    /**
     * A backend on this machine's {@code port}, as the cluster's node answers on that nodePort: it answers
     * {@code <cluster> <deployment> <image>} with the image the live Deployment has, so a promotion is seen.
     */
    void serve(int port, String cluster, String deployment, AtomicBoolean fails) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                byte[] body = (cluster + " " + deployment + " " + image(cluster, deployment))
                        .getBytes(StandardCharsets.UTF_8);
                boolean fail =
                        fails.get() && !exchange.getRequestURI().getPath().equals("/healthz");
                exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            backends.put(cluster + "/" + deployment, server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void startRouterAndController(Rendering rendering) {
        App app = rendering.app();
        ClusterGroup group = rendering.group();
        feed = ClusterFeed.start(
                app.spec(),
                app.spec().environment("production").orElseThrow(),
                group,
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                stages,
                FeedSettings.on(new RouterConfig.Address("127.0.0.1", 0)));
        EnvironmentTarget env = EnvironmentTarget.of(rendering);
        controller = new RolloutController(
                RolloutStore.inMemory(),
                new RouterTrafficStats(
                        Map.of("router-1", feed.router()::stats),
                        key -> List.of(new RouterTrafficStats.TrackRoutes("web", "web", "web-canary"))),
                (key, cluster, stage) -> stages.change(s -> s.with(Stages.ALL_SERVICES, cluster, stage)),
                EngineTracks.byController(engine, key -> env),
                RolloutEvents.none(),
                clock);
    }

    /** v1 stable on both clusters, v2 as canary beside it, backends on every track's nodePorts, the router up. */
    RolloutSpec deployBoth() {
        Rendering v1 = render("acme/web:1", "hello");
        assertThat(deploy(v1, "v1").succeeded()).isTrue();
        for (String cluster : List.of("east", "west")) {
            serve(nodePort(cluster, "web-stable"), cluster, "web", new AtomicBoolean());
        }
        Rendering v2 = render("acme/web:2", "bonjour");
        DeployReport canary = deploy(v2, "v2");
        assertThat(canary.canaryClusters()).as("%s", canary).containsExactly("east", "west");
        for (String cluster : List.of("east", "west")) {
            serve(nodePort(cluster, "web-canary"), cluster, "web-canary", canaryFails);
        }
        startRouterAndController(v2);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> feed.router().config().backends().containsKey("web-canary"));
        return v2.app().spec().environment("production").orElseThrow().rollout().orElseThrow();
    }

    /** {@code n} GETs through the router: how many each answer (body, or status when not 200) got. */
    Map<String, Integer> requests(int n) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + feed.router().address().getPort() + "/");
        Map<String, Integer> answers = new HashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            answers.merge(
                    r.statusCode() == 200
                            ? r.body()
                            : "status " + r.statusCode() + " " + r.body().strip(),
                    1,
                    Integer::sum);
        }
        return answers;
    }

    String image(String cluster, String deployment) {
        var d = clusters.cluster(cluster)
                .client()
                .apps()
                .deployments()
                .inNamespace("shop")
                .withName(deployment)
                .get();
        return d == null
                ? "(none)"
                : d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    @Test
    void aHealthyCanaryIsRolledOutClusterByClusterWithNoFailedRequest() throws Exception {
        RolloutSpec spec = deployBoth();
        controller.start(KEY, spec, "v2", List.of("east", "west"), "alice");

        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 20 && !controller.status(KEY).orElseThrow().settled(); i++) {
            // The clusters share the traffic by weight: half reaches the judged cluster, half of that its canary.
            Map<String, Integer> got = requests(160);
            got.forEach((answer, count) -> seen.merge(answer, count, Integer::sum));
            clock.add(INTERVAL);
            controller.tick(KEY);
        }
        requests(20).forEach((answer, count) -> seen.merge(answer, count, Integer::sum));

        RolloutState state = controller.status(KEY).orElseThrow();
        assertThat(state.promoted()).as(state.toString()).isTrue();
        assertThat(seen.keySet()).as("every request answered 200: %s", seen).allMatch(a -> !a.startsWith("status"));
        assertThat(seen).containsKeys("east web-canary acme/web:2", "west web-canary acme/web:2");
        for (String cluster : List.of("east", "west")) {
            assertThat(image(cluster, "web")).isEqualTo("acme/web:2");
            assertThat(image(cluster, "web-canary")).isEqualTo("(none)");
            assertThat(state.cluster(cluster)
                            .orElseThrow()
                            .lastCheck()
                            .orElseThrow()
                            .verdict())
                    .isEqualTo(Verdict.PASS);
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !feed.router().config().backends().containsKey("web-canary"));
        assertThat(requests(20)).containsOnlyKeys("east web acme/web:2", "west web acme/web:2");
    }

    @Test
    void aCanaryThatFailsIsAbortedOnItsOwnAndStableServesAsBefore() throws Exception {
        RolloutSpec spec = deployBoth();
        controller.start(KEY, spec, "v2", List.of("east", "west"), "alice");
        requests(40);
        clock.add(INTERVAL);
        controller.tick(KEY);

        canaryFails.set(true);
        Map<String, Integer> during = requests(150);
        clock.add(INTERVAL);
        RolloutState state = controller.tick(KEY);

        // The router ejects the failing canary after a few 5xx and sends its share to stable meanwhile; the
        // requests the canary could not take still count against it, so the check sees enough of them.
        assertThat(during.keySet())
                .anyMatch(a -> a.startsWith("status 500"))
                .noneMatch(a -> a.startsWith("status 503"));
        ClusterRollout east = state.cluster("east").orElseThrow();
        assertThat(east.status()).as(east.toString()).isEqualTo(ClusterStatus.ABORTED);
        assertThat(east.lastCheck().orElseThrow().verdict()).isEqualTo(Verdict.BREACH);
        assertThat(east.reason()).contains("maxErrorRate");
        assertThat(requests(40))
                .as("all traffic on stable at once")
                .containsOnlyKeys("east web acme/web:1", "west web acme/web:1");
        await().atMost(Duration.ofSeconds(10)).until(() -> controller.tick(KEY).settled());
        for (String cluster : List.of("east", "west")) {
            assertThat(image(cluster, "web")).isEqualTo("acme/web:1");
            assertThat(image(cluster, "web-canary")).isEqualTo("(none)");
            MockCluster c = clusters.cluster(cluster);
            assertThat(c.client()
                            .configMaps()
                            .inNamespace("shop")
                            .withName("settings")
                            .get()
                            .getData())
                    .as("shared config back to stable's")
                    .containsEntry("greeting", "hello");
        }
    }

    boolean healthyOnRouter(String cluster) throws Exception {
        return !health().down(KEY, List.of(cluster)).orElseThrow().containsKey(cluster);
    }

    ClusterHealth health() {
        URI admin =
                URI.create("http://127.0.0.1:" + feed.router().adminAddress().getPort());
        return new RouterClusterHealth(
                Map.of(
                        "router-1",
                        RouterClusterHealth.configOverHttp(http, admin, Optional.empty(), Duration.ofSeconds(5))),
                key -> List.of(new RouterTrafficStats.TrackRoutes("web", "web", "web-canary")));
    }

    @Test
    void aClusterThatFailsMidRolloutLosesItsTrafficAndPausesTheRolloutUntilItIsBack() throws Exception {
        RolloutSpec spec = deployBoth();
        controller.start(KEY, spec, "v2", List.of("east", "west"), "alice");
        requests(20);
        int eastStable = backends.get("east/web").getAddress().getPort();
        int eastCanary = backends.get("east/web-canary").getAddress().getPort();

        // East's nodes stop answering: both of its tracks are gone.
        backends.remove("east/web").stop(0);
        backends.remove("east/web-canary").stop(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> !healthyOnRouter("east"));
        RolloutState paused = RolloutRunner.followHealth(controller, health(), KEY);

        ClusterRollout east = paused.cluster("east").orElseThrow();
        assertThat(paused.down()).containsExactly("east");
        assertThat(east.status()).as(east.toString()).isEqualTo(ClusterStatus.PAUSED);
        assertThat(east.pause()).contains(PauseCause.CLUSTER_DOWN);
        assertThat(east.reason()).contains("cluster east is unhealthy");
        assertThat(requests(40))
                .as("the healthy cluster's stable takes it all")
                .containsOnlyKeys("west web acme/web:1");

        serve(eastStable, "east", "web", new AtomicBoolean());
        serve(eastCanary, "east", "web-canary", canaryFails);
        await().atMost(Duration.ofSeconds(5)).until(() -> healthyOnRouter("east"));
        RolloutState resumed = RolloutRunner.followHealth(controller, health(), KEY);

        assertThat(resumed.down()).isEmpty();
        assertThat(resumed.cluster("east").orElseThrow().status()).isEqualTo(ClusterStatus.RUNNING);
        assertThat(requests(60)).containsKeys("east web-canary acme/web:2", "east web acme/web:1");
    }
}
