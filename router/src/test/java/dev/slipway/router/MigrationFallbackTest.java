package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A migration target with no available endpoint: the requests its stage would send it are answered by the
 * route's backend, and counted against the target so a rollout still sees it fail.
 */
class MigrationFallbackTest {
    @TempDir
    Path dir;

    TestBackend stable = new TestBackend("stable");
    int deadPort;
    RouterFixture fixture;

    @BeforeEach
    void freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
    }

    private void start(String retries, String canaryHealthCheck) {
        fixture = new RouterFixture(
                dir, RouterFixture.header() + """
                retries: %s
                backends:
                  web:
                    clusters: [{name: east, endpoints: [%s]}]
                  web-canary:
                    %s
                    clusters: [{name: east, endpoints: [127.0.0.1:%d]}]
                routes:
                  - {name: web, backend: web, migration: {to: web-canary, stage: full}}
                """.formatted(retries, stable.address(), canaryHealthCheck, deadPort));
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        stable.close();
    }

    @Test
    void aTargetWithNoAvailableEndpointSendsItsShareToTheRoutesBackendAndCountsItAsTheTargetsFailure() {
        start("{maxRetries: 0}", "healthCheck: {path: /healthz, interval: 100ms, timeout: 100ms, fall: 1, rise: 1}");
        // The canary's only endpoint fails its health check and goes down.
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(() -> fixture.client().get("/").body().equals("stable"));

        TestClient client = fixture.client();
        for (int i = 0; i < 20; i++) {
            var r = client.get("/");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("stable");
        }

        RouterStats stats = Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(
                        fixture.router::stats,
                        s -> s.backend("web", "web-canary").total().requests() >= 20);
        TrafficCounts canary = stats.backend("web", "web-canary").total();
        assertThat(canary.connectFailures()).isEqualTo(canary.requests());
        assertThat(stats.backend("web", "web-canary").clusters().values())
                .as("no canary endpoint was reached")
                .allMatch(counts -> counts.requests() == 0);
        assertThat(stats.backend("web", "web").total().requests()).isGreaterThanOrEqualTo(20);
        assertThat(stats.backend("web", "web").total().errors()).isZero();
    }

    /**
     * The canary's endpoint is still taken for available (no health check has seen it go, it is not ejected
     * yet) when the request is sent to it, and refuses the connection: the request is answered by the route's
     * backend, not 502 or 503, whatever retries allow — and the refusal counts against the canary.
     */
    @Test
    void aRequestWhoseTargetEndpointRefusesTheConnectionIsAnsweredByTheRoutesBackend() throws Exception {
        for (String retries :
                new String[] {"{maxRetries: 0}", "{maxRetries: 1, budgetPercent: 100, minPerSecond: 100}"}) {
            stop();
            stable = new TestBackend("stable");
            start(retries, "outlierDetection: {consecutiveFailures: 1, baseEjection: 10ms}");
            TestClient client = fixture.client();
            for (int i = 0; i < 20; i++) {
                var r = client.get("/");
                assertThat(r.status())
                        .as("request %d with retries %s", i, retries)
                        .isEqualTo(200);
                assertThat(r.body()).isEqualTo("stable");
            }
            RouterStats stats = Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .until(
                            fixture.router::stats,
                            s -> s.backend("web", "web-canary").total().requests() >= 20);
            TrafficCounts canary = stats.backend("web", "web-canary").total();
            assertThat(canary.connectFailures()).isEqualTo(canary.requests());
            assertThat(stats.backend("web", "web").total().errors()).isZero();
        }
    }
}
