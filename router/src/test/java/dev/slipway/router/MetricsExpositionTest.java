package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testkit.Promtool;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Prometheus server scrapes from a router that has served traffic: every meter of the catalogue is there,
 * and Prometheus' own linter ({@code promtool check metrics}) finds nothing to complain about in it.
 */
class MetricsExpositionTest {
    @TempDir
    Path dir;

    @Test
    void aScrapeAfterTrafficHasEveryCatalogueMeterAndPassesPromtool() throws Exception {
        Promtool.require();
        try (TestBackend stable = new TestBackend("stable");
                TestBackend canary = new TestBackend("canary");
                RouterFixture fixture = new RouterFixture(
                        dir, RouterFixture.header() + """
                        defaults:
                          timeout: 300ms
                        accessLog: {path: access.log}
                        # Nothing listens there: the exports fail, which costs requests nothing.
                        tracing: {otlp: {endpoint: "http://127.0.0.1:1/v1/traces", timeout: 200ms}}
                        backends:
                          shop:
                            outlierDetection: {consecutiveFailures: 1}
                            clusters:
                              - {name: east, endpoints: [127.0.0.1:1]}
                              - {name: west, endpoints: [%s]}
                          shop-canary:
                            clusters: [{name: west, endpoints: [%s]}]
                        routes:
                          - name: shop
                            backend: shop
                            migration: {to: shop-canary, stage: percent 10}
                        """.formatted(stable.address(), canary.address()))) {
            TestClient client = fixture.client();
            assertThat(client.get("/hang").status()).isEqualTo(504);
            for (int i = 0; i < 20; i++) {
                client.get("/items/" + i);
            }
            client.get("/status/500");
            TestClient bad = fixture.client();
            bad.send("NOT HTTP AT ALL\r\n\r\n");
            assertThat(bad.read().status()).isEqualTo(400);
            fixture.router.reportSources(Map.of("west", SourceStatus.stale(Instant.EPOCH, "cut off")));
            fixture.write("not: [valid");
            fixture.router.reload();

            String scrape = fixture.admin().get("/metrics").body();
            // Kept for people to read what a scrape looks like.
            java.nio.file.Files.writeString(Path.of("target", "router-metrics.txt"), scrape);

            // Not caused by this traffic: a retry budget run dry, an upstream that does not speak HTTP, a backend
            // with every endpoint taken out (PanicRoutingTest); the TLS meters exist on a TLS listener only (TlsTest
            // lints those).
            Set<RouterMeters> notCaused = EnumSet.of(
                    RouterMeters.RETRIES_DENIED,
                    RouterMeters.UPSTREAM_PROTOCOL_ERRORS,
                    RouterMeters.PANIC,
                    RouterMeters.TLS_CERTIFICATE_EXPIRY,
                    RouterMeters.TLS_RELOADS);
            for (RouterMeters meter : EnumSet.complementOf(EnumSet.copyOf(notCaused))) {
                assertThat(scrape).as("the scrape has %s", meter).contains("# TYPE " + prometheusName(meter));
            }
            assertThat(scrape)
                    .as("the process's own meters")
                    .contains(
                            "process_resident_memory_bytes ",
                            "process_cpu_seconds_total ",
                            "process_files_open_files ",
                            "process_files_max_files ",
                            "jvm_memory_used_bytes{",
                            "jvm_gc_",
                            "jvm_threads_live_threads ");
            assertThat(scrape)
                    .as("latency buckets up to the longest timeout a route may have")
                    .contains(
                            "slipway_router_request_duration_seconds_bucket{backend=\"shop\",route=\"shop\",le=\"3600.0\"}");
            Promtool.Result lint = Promtool.checkMetrics(scrape);
            assertThat(lint.output()).as("promtool check metrics").isEmpty();
            assertThat(lint.ok()).isTrue();
        }
    }

    private static String prometheusName(RouterMeters meter) {
        return meter.meterName().replace('.', '_');
    }
}
