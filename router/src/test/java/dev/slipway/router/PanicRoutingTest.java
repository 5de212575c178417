package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health checks that take every endpoint of a backend out at once (a loaded machine, a broken health path) do
 * not take the app down with them: the router tries an endpoint anyway instead of answering 503, and counts it.
 */
class PanicRoutingTest {
    @TempDir
    Path dir;

    @Test
    void aBackendWhoseEveryEndpointFailsItsHealthCheckStillServesAndThePanicIsCounted() throws Exception {
        try (TestBackend east = new TestBackend("east");
                TestBackend west = new TestBackend("west");
                RouterFixture fixture = new RouterFixture(
                        dir, RouterFixture.header() + """
                        backends:
                          web:
                            healthCheck: {path: /status/503, interval: 100ms, timeout: 200ms, fall: 1, rise: 1}
                            clusters:
                              - {name: east, endpoints: [%s]}
                              - {name: west, endpoints: [%s]}
                        routes:
                          - {name: web, backend: web}
                        """.formatted(east.address(), west.address()))) {
            BackendPool web = ((NettyRouter) fixture.router).snapshot().backends.get("web");
            await().atMost(Duration.ofSeconds(10)).until(() -> !web.anyAvailable(System.nanoTime()));

            TestClient client = fixture.client();
            for (int i = 0; i < 10; i++) {
                TestClient.Response r = client.get("/");
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                assertThat(r.body()).isIn("east", "west");
            }
            assertThat(fixture.admin().get("/metrics").body())
                    .contains("slipway_router_panic_total{backend=\"web\"} 10.0");
        }
    }

    @Test
    void aBackendWithNothingListeningIsStillRefusedAfterOneTry() throws Exception {
        try (RouterFixture fixture = new RouterFixture(dir, RouterFixture.header() + """
                        backends:
                          web:
                            healthCheck: {path: /healthz, interval: 100ms, timeout: 200ms, fall: 1, rise: 1}
                            clusters:
                              - {name: east, endpoints: [127.0.0.1:1]}
                        routes:
                          - {name: web, backend: web}
                        """)) {
            BackendPool web = ((NettyRouter) fixture.router).snapshot().backends.get("web");
            await().atMost(Duration.ofSeconds(10)).until(() -> !web.anyAvailable(System.nanoTime()));

            TestClient.Response r = fixture.client().get("/");
            assertThat(r.status()).isIn(502, 503);
        }
    }
}
