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
    void start() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        fixture = new RouterFixture(dir, RouterFixture.header() + """
                retries: {maxRetries: 0}
                backends:
                  web:
                    clusters: [{name: east, endpoints: [%s]}]
                  web-canary:
                    healthCheck: {path: /healthz, interval: 100ms, timeout: 100ms, fall: 1, rise: 1}
                    clusters: [{name: east, endpoints: [127.0.0.1:%d]}]
                routes:
                  - {name: web, backend: web, migration: {to: web-canary, stage: full}}
                """.formatted(stable.address(), deadPort));
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
        stable.close();
    }

    @Test
    void aTargetWithNoAvailableEndpointSendsItsShareToTheRoutesBackendAndCountsItAsTheTargetsFailure() {
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
}
