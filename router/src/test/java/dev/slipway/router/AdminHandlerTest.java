package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin handler on an embedded channel, with router operations that fail as a bug would. */
class AdminHandlerTest {
    @TempDir
    Path dir;

    /** Operations whose reload throws; mutating requests are run by the test after the handler returns. */
    final class BrokenReload implements AdminOperations {
        final RoutingSnapshot snapshot;
        final List<Runnable> offLoop = new java.util.ArrayList<>();

        BrokenReload() throws IOException {
            Path file = Files.writeString(dir.resolve("r.yaml"), """
                    admin: 127.0.0.1:9901
                    backends:
                      web: {clusters: [{name: a, endpoints: [127.0.0.1:1]}]}
                    routes:
                      - {name: api, backend: web}
                    """);
            snapshot = RoutingSnapshot.build(RouterConfigLoader.load(file), Map.of(), null, Clock.systemUTC());
        }

        @Override
        public InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", 8080);
        }

        @Override
        public InetSocketAddress adminAddress() {
            return new InetSocketAddress("127.0.0.1", 9901);
        }

        @Override
        public RoutingSnapshot snapshot() {
            return snapshot;
        }

        @Override
        public Stage stage(String route) {
            return Stage.off();
        }

        @Override
        public void changeStage(String route, Stage stage) {
            throw new IllegalStateException("stage change broke");
        }

        @Override
        public Router.ReloadOutcome reload() {
            throw new IllegalStateException("reload broke");
        }

        @Override
        public Router.ReloadOutcome lastReload() {
            return Router.ReloadOutcome.ok();
        }

        @Override
        public CompletableFuture<Void> drain(Duration grace) {
            return new CompletableFuture<>();
        }

        @Override
        public boolean draining() {
            return false;
        }

        @Override
        public RouterStats stats() {
            throw new IllegalStateException("stats broke");
        }

        @Override
        public Map<String, SourceStatus> sources() {
            return Map.of();
        }

        @Override
        public String scrape() {
            throw new IllegalStateException("scrape broke");
        }

        @Override
        public <T> CompletableFuture<T> offLoop(Supplier<T> work) {
            CompletableFuture<T> f = new CompletableFuture<>();
            offLoop.add(() -> f.complete(work.get()));
            return f;
        }
    }

    static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return sb.toString();
    }

    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void aReloadThatFailsUnexpectedlyIsAnswered500WithAProblemOffTheLoop() throws IOException {
        BrokenReload ops = new BrokenReload();
        EmbeddedChannel ch =
                new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new AdminHandler(ops));
        ch.writeInbound(bytes("POST /reload HTTP/1.1\r\nHost: 127.0.0.1:9901\r\nContent-Length: 0\r\n\r\n"));
        assertThat(written(ch)).as("nothing is answered on the loop itself").isEmpty();
        assertThat(ops.offLoop).hasSize(1);
        assertThat(ch.config().isAutoRead()).as("later requests wait").isFalse();

        ops.offLoop.get(0).run();
        ch.runPendingTasks();

        String response = written(ch);
        assertThat(response).startsWith("HTTP/1.1 500 Internal Server Error\r\n");
        assertThat(response).contains("\"what\" : \"the admin request failed unexpectedly (IllegalStateException)\"");
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(ch.isOpen()).isTrue();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aReadThatFailsUnexpectedlyIsAnswered500Too() throws IOException {
        EmbeddedChannel ch = new EmbeddedChannel(
                new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new AdminHandler(new BrokenReload()));
        ch.writeInbound(bytes("GET /metrics HTTP/1.1\r\nHost: localhost:9901\r\n\r\n"));
        assertThat(written(ch)).startsWith("HTTP/1.1 500 Internal Server Error\r\n");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aMalformedAdminRequestIs400AndClosed() throws IOException {
        EmbeddedChannel ch = new EmbeddedChannel(
                new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new AdminHandler(new BrokenReload()));
        ch.writeInbound(bytes("POST /reload HTTP/1.1\r\nHost: localhost:9901\r\nContent-Length: x\r\n\r\n"));
        assertThat(written(ch)).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }
}
