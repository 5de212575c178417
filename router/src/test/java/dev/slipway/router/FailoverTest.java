package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailoverTest {
    @TempDir
    Path dir;

    @Test
    void aClusterKilledUnderLoadFailsNoGetAndItsTrafficMovesWithinOneSecond() throws Exception {
        killEastUnderLoad("healthCheck: {path: /healthz, interval: 200ms, timeout: 200ms, fall: 2, rise: 2}");
    }

    @Test
    void passiveDetectionAloneDivertsAKilledClusterWithinOneSecond() throws Exception {
        // Active checks every 30 s cannot be what notices: only failing requests can.
        killEastUnderLoad("healthCheck: {path: /healthz, interval: 30s, timeout: 200ms, fall: 2, rise: 2}");
    }

    private static boolean eastHealthy(Router router) {
        BackendPool web = ((NettyRouter) router).snapshot().backends.get("web");
        return web.clusterHealthy(web.clusters.get(0), System.nanoTime());
    }

    private void killEastUnderLoad(String healthCheck) throws Exception {
        try (TestBackend east1 = new TestBackend("east");
                TestBackend east2 = new TestBackend("east");
                TestBackend west = new TestBackend("west");
                RouterFixture fixture = new RouterFixture(
                        dir,
                        RouterFixture.header()
                                + """
                        backends:
                          web:
                            failoverBelow: 0.5
                            %s
                            clusters:
                              - {name: east, weight: 1, endpoints: [%s, %s]}
                              - {name: west, weight: 1, endpoints: [%s]}
                        routes:
                          - {name: web, backend: web}
                        """.formatted(healthCheck, east1.address(), east2.address(), west.address()))) {
            TestClient admin = fixture.admin();
            try (LoadGenerator load = new LoadGenerator(fixture.router.address(), 4, "/")) {
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> load.answeredBy("east") > 100 && load.answeredBy("west") > 100);

                long killedAt = System.nanoTime();
                east1.kill();
                east2.kill();

                await().atMost(Duration.ofSeconds(1))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> !eastHealthy(fixture.router));
                long divertedAfterMillis = (System.nanoTime() - killedAt) / 1_000_000;
                int westBefore = load.answeredBy("west");
                await().atMost(Duration.ofSeconds(10)).until(() -> load.answeredBy("west") > westBefore + 200);

                assertThat(load.failures).as("failed GETs").isEmpty();
                assertThat(divertedAfterMillis).isLessThan(1000);
                assertThat(load.lastAnswer.get("east").get()).isLessThan(killedAt + 1_000_000_000L);
            }
            assertThat(admin.get("/config").body()).contains("\"unavailableSinceMillis\"");
            assertThat(admin.get("/metrics").body())
                    .contains("slipway_router_cluster_healthy{backend=\"web\",cluster=\"east\"} 0.0");
        }
    }

    @Test
    void aFailingEndpointIsRetriedOnAnotherClusterWithinTheBudget() throws Exception {
        try (TestBackend west = new TestBackend("west");
                RouterFixture fixture =
                        new RouterFixture(dir, RouterFixture.header() + """
                        backends:
                          web:
                            clusters:
                              - {name: east, endpoints: [127.0.0.1:1]}
                              - {name: west, endpoints: [%s]}
                        routes:
                          - {name: web, backend: web}
                        """.formatted(west.address()))) {
            TestClient client = fixture.client();
            for (int i = 0; i < 20; i++) {
                assertThat(client.get("/").body()).isEqualTo("west");
            }
            assertThat(fixture.admin().get("/metrics").body())
                    .contains("slipway_router_retries_total{reason=\"connect\",route=\"web\"}");
        }
    }

    @Test
    void a503FromOneClusterIsRetriedElsewhereForGets() throws Exception {
        try (TestBackend a = new TestBackend("a");
                TestBackend b = new TestBackend("b");
                RouterFixture fixture =
                        new RouterFixture(dir, RouterFixture.header() + """
                        backends:
                          web:
                            outlierDetection: {consecutiveFailures: 1000}
                            clusters:
                              - {name: east, endpoints: [%s]}
                              - {name: west, endpoints: [%s]}
                        routes:
                          - {name: web, backend: web}
                        """.formatted(a.address(), b.address()))) {
            TestClient client = fixture.client();
            // Both answer 503 for this path; the router retries once more (maxRetries 2) then passes it on.
            TestClient.Response r = client.get("/status/503");
            assertThat(r.status()).isEqualTo(503);
            assertThat(a.requests.get() + b.requests.get()).isEqualTo(3);
            client.send("POST /status/503 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
            assertThat(client.read().status()).isEqualTo(503);
            assertThat(a.requests.get() + b.requests.get())
                    .as("POST is not retried")
                    .isEqualTo(4);
        }
    }
}
