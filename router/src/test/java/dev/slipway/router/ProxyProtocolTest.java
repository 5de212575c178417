package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROXY protocol v1/v2: read from an L4 balancer in front, and sent to backends that want it. */
class ProxyProtocolTest {
    @TempDir
    Path dir;

    /** A backend behind the PROXY protocol: answers with the source its header named, or "local". */
    static final class ProxiedBackend implements AutoCloseable {
        final List<String> headers = new CopyOnWriteArrayList<>();
        private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel server;

        ProxiedBackend() {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new HAProxyMessageDecoder())
                                    .addLast(new HttpServerCodec())
                                    .addLast(new HttpObjectAggregator(1 << 16))
                                    .addLast(new ChannelInboundHandlerAdapter() {
                                        String source = "none";

                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            if (msg instanceof HAProxyMessage m) {
                                                source = m.command() == HAProxyCommand.LOCAL
                                                        ? "local"
                                                        : m.protocolVersion() + " " + m.sourceAddress() + ":"
                                                                + m.sourcePort();
                                                headers.add(source);
                                                m.release();
                                                return;
                                            }
                                            FullHttpRequest req = (FullHttpRequest) msg;
                                            req.release();
                                            ByteBuf body = Unpooled.copiedBuffer(source, StandardCharsets.UTF_8);
                                            FullHttpResponse r = new DefaultFullHttpResponse(
                                                    HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                                            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
                                            ctx.writeAndFlush(r);
                                        }
                                    });
                        }
                    })
                    .bind("127.0.0.1", 0)
                    .syncUninterruptibly()
                    .channel();
        }

        String address() {
            return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    static byte[] v2Header(String source, int port) {
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        ch.writeOutbound(new HAProxyMessage(
                HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4,
                source,
                "10.0.0.1",
                port,
                443));
        ByteBuf b = ch.readOutbound();
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        return bytes;
    }

    @Test
    void theClientTheBalancersHeaderNamesIsTheOneForwardedAndAConnectionWithoutAHeaderIsClosed() throws Exception {
        try (TestBackend backend = new TestBackend("web");
                RouterFixture fixture =
                        new RouterFixture(dir, RouterFixture.header() + """
                        proxyProtocol: true
                        backends:
                          web: {clusters: [{name: east, endpoints: [%s]}]}
                        routes:
                          - {name: web, backend: web}
                        """.formatted(backend.address()))) {
            TestClient v1 = fixture.client();
            v1.send("PROXY TCP4 203.0.113.7 10.0.0.1 51234 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
            TestClient.Response r = v1.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-got-x-forwarded-for")).isEqualTo("203.0.113.7");
            // The same connection keeps its client for the next request.
            v1.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(v1.read().header("x-got-x-forwarded-for")).isEqualTo("203.0.113.7");

            try (Socket s = new Socket("127.0.0.1", fixture.router.address().getPort())) {
                OutputStream out = s.getOutputStream();
                out.write(v2Header("198.51.100.9", 40000));
                out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String answer = new String(s.getInputStream().readNBytes(400), StandardCharsets.ISO_8859_1);
                assertThat(answer).startsWith("HTTP/1.1 200").contains("x-got-x-forwarded-for: 198.51.100.9");
            }

            TestClient plain = fixture.client();
            plain.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(plain.closedByServer())
                    .as("a request without the header is not served")
                    .isTrue();
            assertThat(backend.requests.get()).isEqualTo(3);
        }
    }

    @Test
    void aBackendThatWantsTheHeaderGetsTheClientInItOnEveryConnectionAndLocalOnHealthChecks() throws Exception {
        try (ProxiedBackend backend = new ProxiedBackend();
                RouterFixture fixture =
                        new RouterFixture(dir, RouterFixture.header() + """
                        proxyProtocol: true
                        backends:
                          web:
                            proxyProtocol: v2
                            healthCheck: {path: /healthz, interval: 100ms, timeout: 500ms, fall: 1, rise: 1}
                            clusters: [{name: east, endpoints: [%s]}]
                        routes:
                          - {name: web, backend: web}
                        """.formatted(backend.address()))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.headers.contains("local"));
            for (String client : List.of("203.0.113.7", "203.0.113.8")) {
                TestClient c = fixture.client();
                c.send("PROXY TCP4 " + client + " 10.0.0.1 51234 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
                TestClient.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body())
                        .as("each client's own connection to the backend")
                        .isEqualTo("V2 " + client + ":51234");
            }
        }
    }
}
