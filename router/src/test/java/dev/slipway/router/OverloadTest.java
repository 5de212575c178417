package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests shed for overload are 503s of their route: a route's error rate and SLO alerts see them. */
class OverloadTest {
    @TempDir
    Path dir;

    @Test
    void aRequestShedForOverloadIsCountedInItsRoutesRequests() throws Exception {
        try (TestBackend backend = new TestBackend("web");
                RouterFixture fixture =
                        new RouterFixture(dir, RouterFixture.header() + """
                        limits: {maxInFlight: 1}
                        backends:
                          web: {clusters: [{name: east, endpoints: [%s]}]}
                        routes:
                          - {name: web, backend: web, timeout: 5s}
                        """.formatted(backend.address()))) {
            TestClient holder = fixture.client();
            holder.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n"); // takes the one in-flight slot until its timeout
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> backend.requests.get() >= 0
                            && fixture.admin().get("/metrics").body().contains("slipway_router_in_flight 1.0"));

            TestClient.Response shed = fixture.client().get("/items");
            assertThat(shed.status()).isEqualTo(503);
            assertThat(shed.body()).contains("overloaded");

            // The 503 is recorded once written: the scrape may come first.
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(
                            () -> assertThat(fixture.admin().get("/metrics").body())
                                    .contains(
                                            "slipway_router_requests_total{backend=\"none\",cluster=\"none\",route=\"web\",status=\"5xx\"} 1.0")
                                    .contains("slipway_router_rejected_total{reason=\"overload\"} 1.0"));
        }
    }
}
