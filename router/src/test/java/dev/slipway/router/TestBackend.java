package dev.slipway.router;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server for tests: answers with its own name, echoes what the router forwarded in x-got-*
 * headers, never answers /hang, answers /delay/N after N ms and /status/N with status N.
 */
final class TestBackend implements AutoCloseable {
    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    final String name;
    final AtomicInteger requests = new AtomicInteger();
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel server;

    TestBackend(String name) {
        this(name, null);
    }

    /** A backend that speaks TLS with {@code tls} (a server context), or plain HTTP when null. */
    TestBackend(String name, io.netty.handler.ssl.SslContext tls) {
        this.name = name;
        this.server = new ServerBootstrap()
                .group(GROUP)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new Responder());
                    }
                })
                .bind("127.0.0.1", 0)
                .syncUninterruptibly()
                .channel();
        channels.add(server);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    /** Stops listening and drops every open connection, like a cluster going away. */
    void kill() {
        channels.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        kill();
    }

    private final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String uri = req.uri();
            if (uri.startsWith("/hang")) {
                return;
            }
            if (!uri.startsWith("/healthz")) {
                requests.incrementAndGet();
            }
            HttpResponseStatus status = HttpResponseStatus.OK;
            if (uri.startsWith("/status/")) {
                status = HttpResponseStatus.valueOf(Integer.parseInt(uri.substring("/status/".length())));
            }
            String text = uri.startsWith("/echo") ? req.content().toString(StandardCharsets.UTF_8) : name;
            ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            r.headers().set("x-backend", name);
            r.headers().set("x-got-uri", uri);
            for (String h : new String[] {
                "x-forwarded-for",
                "x-forwarded-proto",
                "x-forwarded-host",
                "x-request-id",
                "connection",
                "x-hop",
                "traceparent",
                "tracestate",
                "x-slipway-optin"
            }) {
                r.headers().set("x-got-" + h, String.valueOf(req.headers().get(h)));
            }
            r.headers().set("keep-alive", "timeout=5");
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (uri.startsWith("/delay/")) {
                long ms = Long.parseLong(uri.substring("/delay/".length()));
                ctx.executor().schedule(() -> write(ctx, r, keepAlive), ms, TimeUnit.MILLISECONDS);
            } else {
                write(ctx, r, keepAlive);
            }
        }

        private void write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(x -> ctx.close());
            }
        }
    }
}
