package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-track numbers a rollout is judged on, under real requests to real backends on 127.0.0.1: one
 * that answers 500 when asked, one that is slow, one that never answers in time, one port nobody listens on.
 */
class TrafficStatsTest {
    static final String TOKEN = "stats-admin-token-0123456789";
    static final String OPT_IN = "X-Slipway-Optin: web";

    @TempDir
    Path dir;

    TestBackend stable = new TestBackend("stable");
    TestBackend canary = new TestBackend("canary");
    int refusedPort;
    RouterFixture fixture;

    @BeforeEach
    void start() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            refusedPort = s.getLocalPort();
        }
        Path token = dir.resolve("admin-token");
        Files.writeString(token, TOKEN + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        fixture = new RouterFixture(
                dir, RouterFixture.header() + """
                adminTokenFile: admin-token
                retries: {maxRetries: 0}
                backends:
                  web:
                    clusters: [{name: east, endpoints: [%s]}]
                  web-canary:
                    outlierDetection: {consecutiveFailures: 1000}
                    clusters: [{name: east, endpoints: [%s]}]
                  gone:
                    clusters: [{name: west, endpoints: [127.0.0.1:%d]}]
                routes:
                  - name: web
                    backend: web
                    timeout: 300ms
                    migration: {to: web-canary, stage: optin}
                  - {name: gone, pathPrefix: /gone, backend: gone}
                """.formatted(stable.address(), canary.address(), refusedPort));
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
        stable.close();
        canary.close();
    }

    /**
     * The router's stats once {@code done} holds: a request is counted just after its answer is written,
     * so the client can see the answer a moment before the count.
     */
    RouterStats statsOnce(Predicate<RouterStats> done) {
        return Awaitility.await().atMost(Duration.ofSeconds(5)).until(fixture.router::stats, done);
    }

    static long requests(RouterStats s, String route, String backend) {
        return s.backend(route, backend).total().requests();
    }

    @Test
    void eachFailureIsCountedOnceInItsOwnCounterPerRouteBackendAndCluster() {
        TestClient client = fixture.client();
        for (int i = 0; i < 10; i++) {
            assertThat(client.get("/").status()).isEqualTo(200);
        }
        for (int i = 0; i < 20; i++) {
            assertThat(client.get("/status/500", OPT_IN).status()).isEqualTo(500);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(client.get("/delay/150", OPT_IN).status()).isEqualTo(200);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(fixture.client().get("/hang", OPT_IN).status()).isEqualTo(504);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(client.get("/gone").status()).isEqualTo(502);
        }

        RouterStats stats = statsOnce(s -> requests(s, "web", "web") == 10
                && requests(s, "web", "web-canary") == 27
                && requests(s, "gone", "gone") == 3);
        TrafficCounts stableCounts = stats.backend("web", "web").total();
        assertThat(stableCounts.requests()).isEqualTo(10);
        assertThat(stableCounts.errors()).isZero();
        assertThat(stableCounts.latency().count()).isEqualTo(10);
        assertThat(stableCounts.latency().quantile(0.99)).isLessThan(Duration.ofMillis(100));

        RouterStats.Backend canaryStats = stats.backend("web", "web-canary");
        TrafficCounts c = canaryStats.total();
        assertThat(c.requests()).isEqualTo(27);
        assertThat(c.serverErrors()).isEqualTo(20);
        assertThat(c.timeouts()).isEqualTo(2);
        assertThat(c.connectFailures()).isZero();
        assertThat(c.errors()).isEqualTo(22);
        assertThat(canaryStats.clusters()).containsOnlyKeys("east");
        assertThat(canaryStats.clusters().get("east")).isEqualTo(c);
        // 7 of 27 took 150 ms or more (2 of them the 300 ms timeout): the p99 is the timeout's bucket, the
        // median a fast 500.
        assertThat(c.latency().quantile(0.99)).isBetween(Duration.ofMillis(300), Duration.ofMillis(400));
        assertThat(c.latency().quantile(0.5)).isLessThan(Duration.ofMillis(100));
        // Within one bucket (19 %) of the 150 ms the slow answers took.
        assertThat(c.latency().quantile(0.8)).isBetween(Duration.ofMillis(125), Duration.ofMillis(200));

        TrafficCounts gone = stats.backend("gone", "gone").total();
        assertThat(gone.requests()).isEqualTo(3);
        assertThat(gone.connectFailures()).isEqualTo(3);
        assertThat(gone.serverErrors() + gone.timeouts()).isZero();
        assertThat(stats.backend("gone", "gone").clusters().get("west")).isEqualTo(gone);
    }

    @Test
    void twoReadingsSubtractIntoTheRequestsBetweenThemAndReadingsOfRoutersAddUp() {
        TestClient client = fixture.client();
        client.get("/status/500", OPT_IN);
        TrafficCounts before = statsOnce(s -> requests(s, "web", "web-canary") == 1)
                .backend("web", "web-canary")
                .total();
        for (int i = 0; i < 4; i++) {
            client.get("/", OPT_IN);
        }
        client.get("/status/503", OPT_IN);
        TrafficCounts after = statsOnce(s -> requests(s, "web", "web-canary") == 6)
                .backend("web", "web-canary")
                .total();

        TrafficCounts window = after.since(before).orElseThrow();
        assertThat(window.requests()).isEqualTo(5);
        assertThat(window.serverErrors()).isEqualTo(1);
        assertThat(window.latency().count()).isEqualTo(5);
        assertThat(before.since(after))
                .as("a reading older than the earlier one: a restart")
                .isEmpty();
        assertThat(before.plus(window)).isEqualTo(after);
    }

    @Test
    void theAdminApiServesTheSameNumbersAsJsonAndOnlyWithTheToken() {
        TestClient client = fixture.client();
        client.get("/");
        client.get("/status/500", OPT_IN);
        client.get("/gone");
        statsOnce(s -> requests(s, "web", "web") == 1
                && requests(s, "web", "web-canary") == 1
                && requests(s, "gone", "gone") == 1);
        TestClient admin = fixture.admin();
        assertThat(admin.get("/stats").status()).isEqualTo(401);

        TestClient.Response r = admin.get("/stats", "Authorization: Bearer " + TOKEN);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/json");
        RouterStats served = RouterStatsJson.parse(r.body());
        assertThat(served).isEqualTo(fixture.router.stats());
        assertThat(served.routes()).containsOnlyKeys("web", "gone");
        assertThat(served.routes().get("web").backends()).containsOnlyKeys("web", "web-canary");
        assertThat(served.backend("web", "web-canary").total().serverErrors()).isEqualTo(1);
        assertThat(r.body()).contains("\"routes\":{\"gone\":{\"backends\":{\"gone\":{\"requests\":1,");
    }

    @Test
    void aRestartedRouterIsAnotherInstance() {
        String first = fixture.router.stats().instance();
        assertThat(first).isEqualTo(fixture.router.stats().instance());
        fixture.router.close();
        fixture = new RouterFixture(dir, RouterFixture.header() + """
                backends:
                  web: {clusters: [{name: east, endpoints: [%s]}]}
                routes:
                  - {name: web, backend: web}
                """.formatted(stable.address()));
        RouterStats again = fixture.router.stats();
        assertThat(again.instance()).isNotEqualTo(first);
        assertThat(again.backend("web", "web").total()).isEqualTo(TrafficCounts.ZERO);
        assertThat(again.backend("web", "web").clusters()).isEqualTo(Map.of("east", TrafficCounts.ZERO));
    }

    @Test
    void aDocumentWithOtherLatencyBucketsIsRefused() {
        String json = RouterStatsJson.toJson(fixture.router.stats())
                .put("latencyBoundsMillis", "[1, 2]")
                .toString();
        assertThatThrownBy(() -> RouterStatsJson.parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("latency buckets differ");
    }
}
