package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed HTTP on either side of the proxy, on embedded channels: the client connection runs the real
 * frontend pipeline, and the upstream connection is an embedded channel with the real upstream pipeline,
 * parked in the loop's pool, so every byte each side sees is the test's to write and read.
 */
class MalformedHttpTest {
    @TempDir
    Path dir;

    MeterRegistry registry = new SimpleMeterRegistry();
    ProxyRuntime runtime;
    EmbeddedChannel client;
    EmbeddedChannel upstream;

    @BeforeEach
    void proxy() throws IOException {
        Path file = Files.writeString(dir.resolve("r.yaml"), """
                backends:
                  web: {clusters: [{name: a, endpoints: [127.0.0.1:1]}]}
                routes:
                  - {name: api, backend: web}
                """);
        RouterConfig config = RouterConfigLoader.load(file);
        runtime = new ProxyRuntime(new RouterMetrics(registry), Transport.best(), Clock.systemUTC());
        runtime.install(RoutingSnapshot.build(config, Map.of(), null, Clock.systemUTC()));
        RouterConfig.Limits limits = config.limits();
        ConnectionGuard guard = new ConnectionGuard(runtime, limits);
        client = new EmbeddedChannel(
                guard,
                new HttpServerCodec(new HttpDecoderConfig().setMaxHeaderSize(limits.maxHeaderBytes())),
                new ProxyFrontendHandler(runtime, guard));
        EndpointState endpoint = runtime.snapshot()
                .backends
                .get("web")
                .clusters
                .get(0)
                .endpoints()
                .get(0);
        UpstreamPool pool = runtime.pool(client.eventLoop());
        upstream = new EmbeddedChannel();
        pool.initUpstream(upstream, endpoint.address);
        pool.offer(endpoint.address, upstream);
    }

    @AfterEach
    void nothingLeaks() {
        written(client);
        written(upstream);
        assertFalse(client.finishAndReleaseAll());
        assertFalse(upstream.finishAndReleaseAll());
        assertThat(runtime.inFlight.get()).isZero();
    }

    static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    /** What follows the head of an HTTP message as written (the head ends at the first empty line). */
    static String bodyOf(String message) {
        return message.substring(message.indexOf("\r\n\r\n") + 4);
    }

    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    double counted(String meter, String tag, String value) {
        Counter c = registry.find(meter).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aWellFormedExchangePassesThrough() {
        client.writeInbound(bytes("GET /api HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertThat(written(upstream)).startsWith("GET /api HTTP/1.1\r\n");
        upstream.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
        assertThat(written(client)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nhello");
        assertThat(client.isOpen()).isTrue();
        assertThat(upstream.isOpen()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz", "0x3", "fffffffffffffffffff"})
    void aRequestChunkSizeThatIsNoHexNumberIs400AndClosesBothConnections(String size) {
        client.writeInbound(bytes(
                "POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + size + "\r\nabc\r\n0\r\n\r\n"));

        String response = written(client);
        assertThat(response).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("malformed request body");
        assertThat(client.isOpen()).isFalse();
        // The upstream request had no valid end, so it is cancelled rather than ended as an empty body.
        String forwarded = written(upstream);
        assertThat(forwarded).startsWith("POST /api HTTP/1.1\r\n");
        assertThat(bodyOf(forwarded))
                .as("nothing after the head, least of all a last chunk")
                .isEmpty();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(counted("slipway.router.rejected", "reason", "malformed")).isEqualTo(1);
    }

    @Test
    void anUpstreamThatDoesNotSpeakHttpIs502NotA999() {
        client.writeInbound(bytes("GET /api HTTP/1.1\r\nHost: a\r\n\r\n"));
        upstream.writeInbound(bytes("this is not http\r\n\r\n"));

        String response = written(client);
        assertThat(response).startsWith("HTTP/1.1 502 Bad Gateway\r\n").contains("invalid HTTP response");
        // Not in the random x-request-id, where "999" turns up about once in 150 runs.
        assertThat(response.replaceAll("(?m)^x-request-id: .*$", "")).doesNotContain("999");
        assertThat(upstream.isOpen()).isFalse();
        assertThat(client.isOpen()).isTrue();
        assertThat(counted("slipway.router.upstream.protocol.errors", "reason", "malformed_head"))
                .isEqualTo(1);
    }

    @Test
    void aBadUpstreamChunkAfterTheHeadWentOutClosesTheClientWithoutACleanEnd() {
        client.writeInbound(bytes("GET /api HTTP/1.1\r\nHost: a\r\n\r\n"));
        upstream.writeInbound(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
        upstream.writeInbound(bytes("zz\r\nmore\r\n0\r\n\r\n"));

        String response = written(client);
        assertThat(response).startsWith("HTTP/1.1 200 OK\r\n");
        // No last chunk: the client must not take the half body for a complete one.
        assertThat(bodyOf(response)).isEqualTo("5\r\nhello\r\n");
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(counted("slipway.router.upstream.protocol.errors", "reason", "malformed_body"))
                .isEqualTo(1);
    }

    @Test
    void twoDifferentUpstreamContentLengthsAre502() {
        client.writeInbound(bytes("GET /api HTTP/1.1\r\nHost: a\r\n\r\n"));
        upstream.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"));

        String response = written(client);
        assertThat(response).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        assertThat(response.toLowerCase()).containsOnlyOnce("content-length: ");
        assertThat(upstream.isOpen()).isFalse();
        assertThat(counted("slipway.router.upstream.protocol.errors", "reason", "malformed_head"))
                .isEqualTo(1);
    }

    @Test
    void anUpstreamHeadOf80KibIs502NotAnEmpty200() {
        client.writeInbound(bytes("GET /api HTTP/1.1\r\nHost: a\r\n\r\n"));
        upstream.writeInbound(
                bytes("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(80 * 1024) + "\r\nContent-Length: 0\r\n\r\n"));

        assertThat(written(client)).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        assertThat(upstream.isOpen()).isFalse();
        assertThat(counted("slipway.router.upstream.protocol.errors", "reason", "header_too_large"))
                .isEqualTo(1);
    }
}
