package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar that ships ({@code target/slipway.jar}, run after the shade): its shade filters leave out parts of
 * its libraries (OpenTelemetry's metrics and logs exporters, the Prometheus protobuf format), so the router runs
 * from it with every optional part on: a proxied request, its access log line, its span exported over OTLP to a
 * collector stand-in, and {@code /metrics}. A class the filters took that the router needs fails here.
 */
class ShadedJarIT {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";

    @TempDir
    Path tmp;

    HttpServer backend;
    HttpServer collector;
    // OTLP protobuf bodies, searched for the span's ids and name as bytes: decoding them would need protobuf
    // classes in the test scope, which would change the protobuf version the shaded jar gets.
    final List<byte[]> exports = new CopyOnWriteArrayList<>();
    final AtomicInteger refused = new AtomicInteger();
    Process router;

    @BeforeEach
    void start() throws IOException {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        backend.createContext("/", exchange -> {
            byte[] body = "from-backend".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        collector.createContext("/v1/traces", exchange -> {
            if (refused.getAndIncrement() == 0) {
                // The first export is refused, as a collector over its quota would: the exporter reads the
                // error, says it, and the next batch goes out.
                exchange.getRequestBody().readAllBytes();
                byte[] body = "over quota".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(400, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
                return;
            }
            try (InputStream in = exchange.getRequestBody()) {
                exports.add(in.readAllBytes());
            }
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().close();
        });
        collector.start();
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.destroyForcibly();
        }
        backend.stop(0);
        collector.stop(0);
    }

    @Test
    void theRouterRunsFromTheShadedJarWithAccessLogSpansAndMetrics() throws Exception {
        // Set by the cli module's shaded-jar execution, after the shade: an earlier run (-Dtest=ShadedJarIT
        // in the test phase) would find a jar from a previous build, or none.
        String shaded = System.getProperty("slipway.jar");
        assumeTrue(shaded != null, "runs in the integration-test phase, against the jar the shade just built");
        Path jar = Path.of(shaded);
        assertThat(jar).as("the shaded jar").exists();
        Path config = Files.writeString(tmp.resolve("router.yaml"), """
                listen: 127.0.0.1:0
                admin: 127.0.0.1:0
                accessLog: {path: access.log}
                tracing:
                  sampleRatio: 1.0
                  otlp: {endpoint: "http://127.0.0.1:%d/v1/traces", serviceName: shaded}
                backends:
                  web:
                    clusters: [{name: east, endpoints: ["127.0.0.1:%d"]}]
                routes:
                  - {name: api, backend: web}
                """.formatted(
                        collector.getAddress().getPort(), backend.getAddress().getPort()));
        Path output = tmp.resolve("router.out");
        router = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        jar.toString(),
                        "router",
                        "--config",
                        config.toString(),
                        "--drain-seconds",
                        "1")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        Pattern listening = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+), admin on /127\\.0\\.0\\.1:(\\d+)");
        await().atMost(Duration.ofSeconds(60))
                .failFast(
                        "the router exited",
                        () -> assertThat(router.isAlive())
                                .as(() -> LocalFixtures.text(output))
                                .isTrue())
                .until(() -> listening.matcher(LocalFixtures.text(output)).find());
        Matcher m = listening.matcher(LocalFixtures.text(output));
        assertThat(m.find()).isTrue();
        int port = Integer.parseInt(m.group(1));
        int adminPort = Integer.parseInt(m.group(2));

        HttpClient client = HttpClient.newHttpClient();
        HttpRequest first = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/refused"))
                .build();
        assertThat(client.send(first, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> refused.get() > 0);
        HttpResponse<String> answer = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/items"))
                        .header("traceparent", "00-" + TRACE + "-" + PARENT + "-01")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("from-backend");

        await().atMost(Duration.ofSeconds(20))
                .failFast(
                        "the router exited",
                        () -> assertThat(router.isAlive())
                                .as(() -> LocalFixtures.text(output))
                                .isTrue())
                .untilAsserted(() -> assertThat(exports).isNotEmpty());
        byte[] export = exports.get(0);
        assertThat(contains(export, HexFormat.of().parseHex(TRACE)))
                .as("the trace id")
                .isTrue();
        assertThat(contains(export, HexFormat.of().parseHex(PARENT)))
                .as("the caller's span as parent")
                .isTrue();
        assertThat(contains(export, "GET api".getBytes(StandardCharsets.UTF_8)))
                .as("the span's name")
                .isTrue();
        assertThat(contains(export, "shaded".getBytes(StandardCharsets.UTF_8)))
                .as("the service name")
                .isTrue();

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        assertThat(tmp.resolve("access.log")).content().contains("\"trace_id\":\"" + TRACE + "\""));
        assertThat(LocalFixtures.get(adminPort, "127.0.0.1:" + adminPort, "/metrics"))
                .contains("slipway_router_requests_total{")
                .contains("slipway_router_spans_dropped_total 0.0");

        router.destroy();
        assertThat(router.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(LocalFixtures.text(output))
                .as("the exporter read the collector's refusal")
                .contains("over quota")
                .doesNotContain("NoClassDefFoundError")
                .doesNotContain("ClassNotFoundException")
                .doesNotContain("ServiceConfigurationError");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }
}
