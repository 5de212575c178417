package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A router told about its sources says in /healthz, /config and /metrics which one is stale. */
class SourceHealthTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    TestBackend a = new TestBackend("A");
    RouterFixture fixture;

    @AfterEach
    void stop() throws Exception {
        fixture.close();
        a.close();
    }

    void start() {
        fixture = new RouterFixture(dir, RouterFixture.header() + """
                backends:
                  one: {clusters: [{name: east, endpoints: [%s]}]}
                routes:
                  - {name: web, backend: one}
                """.formatted(a.address()));
    }

    @Test
    void aRouterWithoutSourcesAnswersHealthzAsBefore() throws Exception {
        start();
        TestClient.Response r = fixture.admin().get("/healthz");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok\n");
        assertThat(fixture.admin().get("/metrics").body()).doesNotContain("slipway_router_source_stale");
    }

    @Test
    void aStaleSourceMakesHealthzDegradedButStill200AndSetsItsGauge() throws Exception {
        start();
        Map<String, SourceStatus> sources = new LinkedHashMap<>();
        sources.put("east-1", SourceStatus.fresh());
        sources.put("west-1", SourceStatus.stale(Instant.parse("2026-12-03T08:10:00Z"), "connection refused"));
        fixture.router.reportSources(sources);

        TestClient.Response r = fixture.admin().get("/healthz");
        assertThat(r.status()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("status").asText()).isEqualTo("degraded");
        assertThat(body.path("source").path("east-1").asText()).isEqualTo("ok");
        assertThat(body.path("source").path("west-1").asText())
                .isEqualTo("stale since 2026-12-03T08:10:00Z: connection refused");
        String metrics = fixture.admin().get("/metrics").body();
        assertThat(metrics).contains("slipway_router_source_stale{source=\"west-1\"} 1.0");
        assertThat(metrics).contains("slipway_router_source_stale{source=\"east-1\"} 0.0");
        JsonNode config = JSON.readTree(fixture.admin().get("/config").body());
        assertThat(config.path("sources").path("west-1").path("stale").asBoolean())
                .isTrue();
        assertThat(config.path("sources").path("west-1").path("detail").asText())
                .isEqualTo("connection refused");
        // traffic is unaffected
        assertThat(fixture.client().get("/").body()).isEqualTo("A");

        fixture.router.reportSources(Map.of("east-1", SourceStatus.fresh(), "west-1", SourceStatus.fresh()));
        body = JSON.readTree(fixture.admin().get("/healthz").body());
        assertThat(body.path("status").asText()).isEqualTo("ok");
        assertThat(fixture.admin().get("/metrics").body())
                .contains("slipway_router_source_stale{source=\"west-1\"} 0.0");
    }

    @Test
    void drainingWinsOverDegraded() throws Exception {
        start();
        fixture.router.reportSources(Map.of("east-1", SourceStatus.stale(Instant.now(), "")));
        fixture.router.drain(java.time.Duration.ofMillis(1));
        TestClient.Response r = fixture.admin().get("/healthz");
        assertThat(r.status()).isEqualTo(503);
        assertThat(JSON.readTree(r.body()).path("status").asText()).isEqualTo("draining");
    }
}
