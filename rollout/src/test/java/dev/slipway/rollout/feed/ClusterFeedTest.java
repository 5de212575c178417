package dev.slipway.rollout.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.router.RouterConfig;
import dev.slipway.router.Stage;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import dev.slipway.testkit.TrackServices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fed router end to end: two mock clusters whose NodePort Services point at real HTTP backends on
 * 127.0.0.1 ({@code nodes: [127.0.0.1]}), the router built from their watches and a stage source.
 */
class ClusterFeedTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NS = "shop";

    @TempDir
    Path dir;

    TestClusters clusters;
    MockCluster east;
    MockCluster west;
    final List<AutoCloseable> owned = new ArrayList<>();
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    App app;
    EnvironmentSpec production;
    ClusterFeed feed;
    FixedStageSource stages = FixedStageSource.off();

    @BeforeEach
    void start() throws IOException {
        clusters = TestClusters.start("east-1", "west-1");
        east = clusters.cluster("east-1");
        west = clusters.cluster("west-1");
        Files.writeString(dir.resolve("slipway.yaml"), """
                app: shop
                environments:
                  production: {group: production, namespace: shop}
                services:
                  - {name: web, image: acme/web:1, port: 8080, health: /healthz}
                """);
        app = AppLoader.load(dir);
        production = app.spec().environment("production").orElseThrow();
    }

    @AfterEach
    void stop() throws Exception {
        if (feed != null) {
            feed.close();
        }
        for (AutoCloseable c : owned) {
            c.close();
        }
        clusters.close();
    }

    HttpBackend backend(String name) {
        HttpBackend b = new HttpBackend(name);
        owned.add(b);
        return b;
    }

    /** {@code web-<track>} on {@code cluster}, its nodePort where a new backend named e.g. {@code east-stable} listens. */
    HttpBackend serve(MockCluster cluster, String track, String name) {
        HttpBackend b = backend(name);
        TrackServices.put(cluster, NS, "shop", "production", "web", track, b.port());
        return b;
    }

    void startFeed(int eastWeight, int westWeight) {
        ClusterGroup group = new ClusterGroup(
                "production",
                false,
                List.of(
                        new Cluster("east-1", "east-1", "east", List.of("127.0.0.1"), eastWeight),
                        new Cluster("west-1", "west-1", "west", List.of("127.0.0.1"), westWeight)));
        feed = ClusterFeed.start(
                app.spec(),
                production,
                group,
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                stages,
                FeedSettings.on(new RouterConfig.Address("127.0.0.1", 0)));
    }

    String get() {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                    + feed.router().address().getPort() + "/"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "status " + r.statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Map<String, Integer> answers(int requests) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(get(), 1, Integer::sum);
        }
        return counts;
    }

    JsonNode admin(String path) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                    + feed.router().adminAddress().getPort() + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    boolean clusterHealthy(String backend, String cluster) {
        for (JsonNode c : admin("/config").path("backends").path(backend).path("clusters")) {
            if (c.path("name").asText().equals(cluster)) {
                return c.path("healthy").asBoolean();
            }
        }
        return false;
    }

    @Test
    void requestsReachBothClustersByTheirWeights() {
        serve(east, "stable", "east-stable");
        serve(west, "stable", "west-stable");
        startFeed(3, 1);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> clusterHealthy("web", "east-1") && clusterHealthy("web", "west-1"));

        Map<String, Integer> counts = answers(400);
        assertThat(counts).containsOnlyKeys("east-stable", "west-stable");
        // 3:1 of 400 is 300:100; ±50 is over 5 standard deviations
        assertThat(counts.get("east-stable")).isBetween(250, 350);
        assertThat(admin("/healthz").path("status").asText()).isEqualTo("ok");
    }

    @Test
    void aChangedNodePortOrANewCanaryIsFollowedWithoutRestart() {
        serve(east, "stable", "east-stable");
        serve(west, "stable", "west-stable");
        startFeed(1, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> answers(20).containsKey("west-stable"));

        serve(west, "stable", "west-stable-2");
        await().atMost(Duration.ofSeconds(5)).until(() -> answers(20).containsKey("west-stable-2"));
        assertThat(answers(40)).containsOnlyKeys("east-stable", "west-stable-2");

        // a canary appears: it gets nothing while the stage is off ...
        serve(east, "canary", "east-canary");
        serve(west, "canary", "west-canary");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> feed.router().config().backends().containsKey("web-canary"));
        assertThat(answers(40)).containsOnlyKeys("east-stable", "west-stable-2");

        // ... and everything once the stage source says full
        stages.set(Stages.none().with("web", Stage.full()));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> answers(20).keySet().stream().allMatch(a -> a.endsWith("-canary")));
        assertThat(answers(40)).containsOnlyKeys("east-canary", "west-canary");

        // one cluster at full, the other off: each cluster's traffic split as its own stage says
        stages.set(Stages.none().with("web", "east-1", Stage.full()));
        await().atMost(Duration.ofSeconds(5)).until(() -> answers(20).containsKey("west-stable-2"));
        Map<String, Integer> counts = answers(200);
        assertThat(counts).containsOnlyKeys("east-canary", "west-stable-2");
        assertThat(counts.get("east-canary")).isBetween(60, 140);

        stages.set(Stages.none());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> answers(20).keySet().stream().noneMatch(a -> a.endsWith("-canary")));
    }

    @Test
    void aClusterWhoseBackendDiesGetsNoTrafficWithinASecond() {
        HttpBackend eastStable = serve(east, "stable", "east-stable");
        serve(west, "stable", "west-stable");
        startFeed(1, 1);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> clusterHealthy("web", "east-1") && clusterHealthy("web", "west-1"));

        eastStable.stop();
        // no request reveals it: the health checks alone take east out
        await().atMost(Duration.ofSeconds(1)).until(() -> !clusterHealthy("web", "east-1"));
        assertThat(answers(40)).containsOnlyKeys("west-stable");
    }

    @Test
    void aClusterWhoseBackendStopsAnsweringGetsNoTrafficWithinASecond() {
        HttpBackend westStable = serve(west, "stable", "west-stable");
        serve(east, "stable", "east-stable");
        startFeed(1, 1);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> clusterHealthy("web", "east-1") && clusterHealthy("web", "west-1"));

        westStable.hang();
        await().atMost(Duration.ofSeconds(1)).until(() -> !clusterHealthy("web", "west-1"));
        assertThat(answers(20)).containsOnlyKeys("east-stable");
    }

    @Test
    void aClusterWhoseApiServerStopsKeepsItsLastEndpointsAndHealthzSaysDegraded() {
        serve(east, "stable", "east-stable");
        serve(west, "stable", "west-stable");
        startFeed(1, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> answers(20).keySet().size() == 2);

        west.stop();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> admin("/healthz").path("status").asText().equals("degraded"));
        JsonNode health = admin("/healthz");
        assertThat(health.path("source").path("west-1").asText()).startsWith("stale since ");
        assertThat(health.path("source").path("east-1").asText()).isEqualTo("ok");
        assertThat(health.path("source").path(ClusterFeed.STAGES_SOURCE).asText())
                .isEqualTo("ok");
        // the last good config keeps serving west's backend, which is still up
        assertThat(answers(40)).containsOnlyKeys("east-stable", "west-stable");
        String metrics = scrape();
        assertThat(metrics).contains("slipway_router_source_stale{source=\"west-1\"} 1.0");
        assertThat(metrics).contains("slipway_router_source_stale{source=\"east-1\"} 0.0");

        // the other cluster is still followed
        serve(east, "stable", "east-stable-2");
        await().atMost(Duration.ofSeconds(5)).until(() -> answers(20).containsKey("east-stable-2"));
    }

    @Test
    void aRouterStartsWhenAClusterIsUnreachableAndServesTheOthers() {
        serve(east, "stable", "east-stable");
        west.stop();
        startFeed(1, 1);
        assertThat(admin("/healthz").path("source").path("west-1").asText()).contains("never listed");
        await().atMost(Duration.ofSeconds(5)).until(() -> answers(10).equals(Map.of("east-stable", 10)));
    }

    String scrape() {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + feed.router().adminAddress().getPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
