package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyHandlersTest {
    @TempDir
    Path dir;

    ProxyRuntime runtime;

    @BeforeEach
    void runtime() throws IOException {
        Path file = Files.writeString(dir.resolve("r.yaml"), """
                limits: {maxHeaderBytes: 1024}
                backends:
                  web: {clusters: [{name: a, endpoints: [127.0.0.1:1]}]}
                routes:
                  - {name: api, pathPrefix: /api, backend: web}
                """);
        RouterConfig config = RouterConfigLoader.load(file);
        runtime = new ProxyRuntime(new RouterMetrics(new SimpleMeterRegistry()), Transport.best(), Clock.systemUTC());
        runtime.install(RoutingSnapshot.build(config, Map.of(), null, Clock.systemUTC()));
    }

    EmbeddedChannel channel() {
        RouterConfig.Limits limits = runtime.snapshot().config.limits();
        ConnectionGuard guard = new ConnectionGuard(runtime, limits);
        return new EmbeddedChannel(
                guard,
                new HttpServerCodec(new HttpDecoderConfig().setMaxHeaderSize(limits.maxHeaderBytes())),
                new ProxyFrontendHandler(runtime, guard));
    }

    static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void anOversizedHeadIsAnswered431AndTheConnectionClosed() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("GET /api HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n"));
        assertThat(written(ch)).startsWith("HTTP/1.1 431 Request Header Fields Too Large");
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aMalformedRequestIsAnswered400AndTheConnectionClosed() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("GET /api HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n"));
        assertThat(written(ch)).startsWith("HTTP/1.1 400 Bad Request");
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aRequestWithoutHostIs400() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("GET /api HTTP/1.1\r\n\r\n"));
        assertThat(written(ch)).startsWith("HTTP/1.1 400 Bad Request").contains("Host header");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void pipelinedRequestsWithoutRouteAreAnswered404InOrderOnAKeptAliveConnection() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("GET /one HTTP/1.1\r\nHost: a\r\n\r\nPOST /two HTTP/1.1\r\nHost: a\r\n"
                + "Content-Length: 3\r\n\r\nabcGET /three HTTP/1.1\r\nHost: a\r\n\r\n"));
        String out = written(ch);
        assertThat(out.split("HTTP/1.1 404 Not Found", -1)).hasSize(4);
        assertThat(out.indexOf("no route for a/one"))
                .isLessThan(out.indexOf("no route for a/two"))
                .isLessThan(out.indexOf("no route for a/three"));
        assertThat(ch.isOpen()).isTrue();
        assertThat(runtime.inFlight.get()).isZero();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void hopByHopHeadersAndTheOnesConnectionNamesAreRemoved() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "close, X-Private")
                .add("X-Private", "1")
                .add("Keep-Alive", "timeout=5")
                .add("TE", "trailers")
                .add("Upgrade", "websocket")
                .add("Transfer-Encoding", "chunked")
                .add("X-Kept", "yes");
        Exchange.removeHopByHop(h);
        assertThat(h.names()).containsExactlyInAnyOrder("Transfer-Encoding", "X-Kept");
    }

    @Test
    void cookiesAreFoundOnlyByTheirExactName() {
        assertThat(RouteTraffic.cookie("a=1; slipway-optin=shop; b=2", "slipway-optin"))
                .isEqualTo("shop");
        assertThat(RouteTraffic.cookie("not-slipway-optin=shop", "slipway-optin"))
                .isNull();
        assertThat(RouteTraffic.cookie(null, "slipway-optin")).isNull();
    }
}
