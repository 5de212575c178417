package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TelemetryTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    TestBackend web;
    Collector collector;
    RouterFixture fixture;

    @BeforeEach
    void start() throws IOException {
        web = new TestBackend("web-1");
        collector = new Collector();
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        web.close();
        collector.close();
    }

    private String config(String telemetry) {
        return RouterFixture.header() + telemetry + """
                backends:
                  web:
                    clusters:
                      - name: east
                        endpoints: [%s]
                routes:
                  - name: api
                    pathPrefix: /api
                    backend: web
                  - name: hang
                    pathPrefix: /hang
                    backend: web
                    timeout: 300ms
                """.formatted(web.address());
    }

    @Test
    void withNothingConfiguredTheBackendStillGetsTraceContext() {
        fixture = new RouterFixture(dir, config(""));
        TestClient client = fixture.client();
        TestClient.Response given = client.get(
                "/api/x", "traceparent: 00-" + TRACE + "-" + PARENT + "-01", "tracestate: rojo=00f067aa0ba902b7");
        TraceContext.Parent got = TraceContext.parse(given.header("x-got-traceparent"));
        assertThat(got.traceId()).isEqualTo(TRACE);
        assertThat(got.spanId())
                .as("the router's own span is the backend's parent")
                .isNotEqualTo(PARENT);
        assertThat(given.header("x-got-tracestate")).isEqualTo("rojo=00f067aa0ba902b7");

        TraceContext.Parent first = TraceContext.parse(client.get("/api/x").header("x-got-traceparent"));
        TraceContext.Parent second = TraceContext.parse(client.get("/api/x").header("x-got-traceparent"));
        assertThat(first.traceId())
                .as("a trace is started when the client sent none")
                .isNotEqualTo(second.traceId());
        assertThat(first.flags()).isEqualTo((byte) 1);
    }

    @Test
    void theAccessLogHasALinePerRequestWithTheTraceTheBackendSaw() throws Exception {
        fixture = new RouterFixture(dir, config("""
                accessLog:
                  path: logs/access.log
                """));
        TestClient client = fixture.client();
        TestClient.Response ok = client.get(
                "/api/items?token=secret", "traceparent: 00-" + TRACE + "-" + PARENT + "-01", "user-agent: probe/1");
        TestClient.Response timedOut = client.get("/hang");
        TestClient.Response notFound = client.get("/elsewhere");
        assertThat(timedOut.status()).isEqualTo(504);
        assertThat(notFound.status()).isEqualTo(404);

        Path log = dir.resolve("logs/access.log");
        List<JsonNode> lines = awaitLines(log, 3);
        JsonNode first = lines.get(0);
        assertThat(first.get("route").asText()).isEqualTo("api");
        assertThat(first.get("backend").asText()).isEqualTo("web");
        assertThat(first.get("cluster").asText()).isEqualTo("east");
        assertThat(first.get("endpoint").asText()).isEqualTo(web.address());
        assertThat(first.get("status").asInt()).isEqualTo(200);
        assertThat(first.get("method").asText()).isEqualTo("GET");
        assertThat(first.get("path").asText()).as("the query may hold secrets").isEqualTo("/api/items");
        assertThat(first.toString()).doesNotContain("secret");
        assertThat(first.get("bytes_out").asLong()).isEqualTo("web-1".length());
        assertThat(first.get("user_agent").asText()).isEqualTo("probe/1");
        assertThat(first.get("trace_id").asText()).isEqualTo(TRACE);
        assertThat(first.get("span_id").asText())
                .isEqualTo(TraceContext.parse(ok.header("x-got-traceparent")).spanId());
        assertThat(first.get("request_id").asText()).isEqualTo(ok.header("x-request-id"));
        assertThat(first.get("duration_ms").asDouble()).isPositive();

        JsonNode second = lines.get(1);
        assertThat(second.get("status").asInt()).isEqualTo(504);
        assertThat(second.get("failure").asText()).isEqualTo("timeout");
        assertThat(second.get("route").asText()).isEqualTo("hang");
        assertThat(second.get("duration_ms").asDouble()).isGreaterThanOrEqualTo(300);
        JsonNode third = lines.get(2);
        assertThat(third.get("status").asInt()).isEqualTo(404);
        assertThat(third.get("route").asText()).isEmpty();
    }

    @Test
    void aRotatedAccessLogIsWrittenAnewAtItsPath() throws Exception {
        fixture = new RouterFixture(dir, config("""
                accessLog:
                  path: access.log
                """));
        TestClient client = fixture.client();
        client.get("/api/before");
        Path log = dir.resolve("access.log");
        awaitLines(log, 1);
        Files.move(log, dir.resolve("access.log.1"));
        // Requests go on while the router notices (within a second) that the file moved.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            client.get("/api/after");
            assertThat(log).exists();
            assertThat(Files.readString(log)).contains("/api/after");
        });
        assertThat(Files.readString(dir.resolve("access.log.1"))).contains("/api/before");
    }

    @Test
    void anAccessLogAddedByAReloadStartsWithoutARestart() throws Exception {
        fixture = new RouterFixture(dir, config(""));
        TestClient client = fixture.client();
        client.get("/api/one");
        fixture.write(config("""
                accessLog:
                  path: access.log
                """));
        Path log = dir.resolve("access.log");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            client.get("/api/two");
            assertThat(log).exists();
            assertThat(Files.readString(log)).contains("/api/two");
        });
        assertThat(Files.readString(log)).doesNotContain("/api/one");
    }

    @Test
    void spansAreExportedOverOtlpAsChildrenOfTheCallersSpan() throws Exception {
        Path headers = Files.writeString(dir.resolve("otlp-headers"), "# the collector's key\nX-Api-Key: k-123\n");
        fixture = new RouterFixture(dir, config("""
                tracing:
                  otlp:
                    endpoint: http://127.0.0.1:%d/v1/traces
                    serviceName: edge-router
                    headersFile: %s
                """.formatted(collector.port(), headers.getFileName())));
        TestClient client = fixture.client();
        long before = epochNanos();
        TestClient.Response ok = client.get("/api/items", "traceparent: 00-" + TRACE + "-" + PARENT + "-01");
        TestClient.Response timedOut = client.get("/hang");
        long after = epochNanos();
        fixture.router.close(); // flushes the batch

        List<Span> spans = collector.spans();
        assertThat(spans).hasSize(2);
        Span first = spans.stream()
                .filter(s -> hex(s.getTraceId()).equals(TRACE))
                .findFirst()
                .orElseThrow();
        assertThat(first.getName()).isEqualTo("GET api");
        assertThat(first.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(hex(first.getParentSpanId())).isEqualTo(PARENT);
        assertThat(hex(first.getSpanId()))
                .isEqualTo(TraceContext.parse(ok.header("x-got-traceparent")).spanId());
        Map<String, String> attributes = attributes(first.getAttributesList());
        assertThat(attributes)
                .containsEntry("http.request.method", "GET")
                .containsEntry("url.path", "/api/items")
                .containsEntry("http.response.status_code", "200")
                .containsEntry("slipway.route", "api")
                .containsEntry("slipway.backend", "web")
                .containsEntry("slipway.cluster", "east")
                .containsEntry("network.peer.address", web.address());
        assertThat(first.getStartTimeUnixNano()).isBetween(before, after);
        assertThat(first.getEndTimeUnixNano()).isBetween(first.getStartTimeUnixNano(), after);
        assertThat(first.getFlags() & 0xff).as("sampled").isEqualTo(1);
        assertThat(first.getFlags() & 0x300)
                .as("the parent is the caller's, from another process")
                .isEqualTo(0x300);
        assertThat(first.getTraceState()).isEmpty();
        assertThat(first.getDroppedAttributesCount()).isZero();

        Span second = spans.stream().filter(s -> s != first).findFirst().orElseThrow();
        assertThat(second.getParentSpanId().isEmpty())
                .as("a trace the router started")
                .isTrue();
        assertThat(second.getName()).isEqualTo("GET hang");
        assertThat(attributes(second.getAttributesList()))
                .containsEntry("http.response.status_code", "504")
                .containsEntry("error.type", "timeout");
        assertThat(second.getStatus().getCode())
                .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(hex(second.getSpanId()))
                .as("the span the client's 504 belongs to")
                .isNotEmpty();
        assertThat(timedOut.status()).isEqualTo(504);
        assertThat(second.getEndTimeUnixNano() - second.getStartTimeUnixNano())
                .as("the route timeout is in the span's length")
                .isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());

        assertThat(attributes(collector.resources().get(0).getResource().getAttributesList()))
                .containsEntry("service.name", "edge-router")
                .containsEntry("telemetry.sdk.language", "java");
        assertThat(collector.resources().get(0).getScopeSpans(0).getScope().getName())
                .isEqualTo("dev.slipway.router");
        assertThat(collector.apiKeys).containsOnly("k-123");
    }

    @Test
    void onlySampledTracesAreExportedAndACallersDecisionIsKept() throws Exception {
        fixture = new RouterFixture(dir, config("""
                tracing:
                  sampleRatio: 0
                  otlp:
                    endpoint: http://127.0.0.1:%d/v1/traces
                """.formatted(collector.port())));
        TestClient client = fixture.client();
        TestClient.Response started = client.get("/api/new");
        client.get("/api/unsampled", "traceparent: 00-" + TRACE + "-" + PARENT + "-00");
        TestClient.Response sampled = client.get("/api/sampled", "traceparent: 00-" + TRACE + "-" + PARENT + "-01");
        fixture.router.close();

        assertThat(TraceContext.parse(started.header("x-got-traceparent")).flags())
                .as("a trace the router starts at ratio 0 is not sampled")
                .isZero();
        assertThat(collector.spans()).singleElement().satisfies(s -> {
            assertThat(attributes(s.getAttributesList())).containsEntry("url.path", "/api/sampled");
            assertThat(hex(s.getSpanId()))
                    .isEqualTo(TraceContext.parse(sampled.header("x-got-traceparent"))
                            .spanId());
        });
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static List<JsonNode> awaitLines(Path log, int n) {
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> Files.exists(log)
                                ? Files.readAllLines(log).stream()
                                        .map(TelemetryTest::json)
                                        .toList()
                                : List.<JsonNode>of(),
                        l -> l.size() >= n);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    private static String hex(com.google.protobuf.ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }

    private static Map<String, String> attributes(List<KeyValue> kvs) {
        return kvs.stream()
                .collect(Collectors.toMap(
                        KeyValue::getKey,
                        kv -> kv.getValue().hasIntValue()
                                ? Long.toString(kv.getValue().getIntValue())
                                : kv.getValue().getStringValue()));
    }

    /** An OTLP/HTTP collector on loopback that keeps what it is sent. */
    static final class Collector implements AutoCloseable {
        final List<ResourceSpans> received = new CopyOnWriteArrayList<>();
        final List<String> apiKeys = new CopyOnWriteArrayList<>();
        private final HttpServer server;

        Collector() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/v1/traces", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    received.addAll(ExportTraceServiceRequest.parseFrom(in).getResourceSpansList());
                }
                apiKeys.add(exchange.getRequestHeaders().getFirst("X-Api-Key"));
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, 0);
                exchange.getResponseBody().close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        List<ResourceSpans> resources() {
            return received;
        }

        List<Span> spans() {
            return received.stream()
                    .flatMap(r -> r.getScopeSpansList().stream())
                    .flatMap((ScopeSpans s) -> s.getSpansList().stream())
                    .toList();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
