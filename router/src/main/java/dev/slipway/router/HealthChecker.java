package dev.slipway.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Actively probes every endpoint of backends that configure a health check, one HTTP GET per interval on a
 * fresh connection, and feeds the results to the endpoints' fall/rise counters. Runs on one thread.
 */
final class HealthChecker {
    private final EventLoop loop;
    private final Transport transport;
    private final AddressResolverGroup<? extends SocketAddress> resolver;
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
    private final Set<EndpointState> probing = new HashSet<>();
    private final UpstreamTlsContexts tls;

    HealthChecker(EventLoop loop, Transport transport, AddressResolverGroup<? extends SocketAddress> resolver) {
        this(loop, transport, resolver, new UpstreamTlsContexts());
    }

    /** Probing backends with {@code tls:} over TLS, with the contexts their requests use. */
    HealthChecker(
            EventLoop loop,
            Transport transport,
            AddressResolverGroup<? extends SocketAddress> resolver,
            UpstreamTlsContexts tls) {
        this.loop = loop;
        this.transport = transport;
        this.resolver = resolver;
        this.tls = tls;
    }

    /** Replaces the probes with those of {@code snapshot}. */
    void watch(RoutingSnapshot snapshot) {
        loop.execute(() -> {
            scheduled.forEach(f -> f.cancel(false));
            scheduled.clear();
            for (BackendPool b : snapshot.backends.values()) {
                b.config.healthCheck().ifPresent(check -> {
                    long interval = check.interval().toNanos();
                    for (BackendPool.ClusterEndpoints c : b.clusters) {
                        for (EndpointState e : c.endpoints()) {
                            scheduled.add(loop.scheduleAtFixedRate(
                                    () -> probe(e, check, b.config), 0, interval, TimeUnit.NANOSECONDS));
                        }
                    }
                });
            }
        });
    }

    void stop() {
        loop.execute(() -> {
            scheduled.forEach(f -> f.cancel(false));
            scheduled.clear();
        });
    }

    private void probe(EndpointState e, RouterConfig.HealthCheck check, RouterConfig.Backend backend) {
        if (!probing.add(e)) {
            return;
        }
        int proxyProtocol = backend.proxyProtocol();
        SslContext context = tls.of(backend);
        String serverName =
                backend.tls().flatMap(RouterConfig.UpstreamTls::serverName).orElse(e.address.getHostString());
        Probe probe = new Probe(e, check);
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.max(1, check.timeout().toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (context != null) {
                            // The request waits in the handler until the handshake is done; a failed one closes.
                            ch.pipeline().addLast(context.newHandler(ch.alloc(), serverName, e.address.getPort()));
                        }
                        ch.pipeline().addLast(HAProxyMessageEncoder.INSTANCE, new HttpClientCodec(), probe);
                    }
                });
        ChannelFuture f = b.connect(e.address);
        probe.deadline = loop.schedule(
                () -> probe.finish(f.channel(), false), check.timeout().toNanos(), TimeUnit.NANOSECONDS);
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                probe.finish(cf.channel(), false);
                return;
            }
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, check.path());
            req.headers()
                    .set(HttpHeaderNames.HOST, e.label)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .set(HttpHeaderNames.USER_AGENT, "slipway-router-health")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            if (proxyProtocol > 0) {
                // A backend behind the PROXY protocol expects a header on every connection: LOCAL, the
                // router's own check (as HAProxy's health checks send it).
                cf.channel()
                        .write(new HAProxyMessage(
                                proxyProtocol == 1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                                HAProxyCommand.LOCAL,
                                HAProxyProxiedProtocol.UNKNOWN,
                                null,
                                null,
                                0,
                                0));
            }
            cf.channel().writeAndFlush(req);
        });
    }

    /** One probe: healthy when the endpoint answers 2xx within the timeout. */
    private final class Probe extends SimpleChannelInboundHandler<HttpObject> {
        private final EndpointState endpoint;
        private final RouterConfig.HealthCheck check;
        private ScheduledFuture<?> deadline;
        private boolean finished;

        Probe(EndpointState endpoint, RouterConfig.HealthCheck check) {
            this.endpoint = endpoint;
            this.check = check;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                // A response the codec could not decode is no sign of health, whatever status it parsed.
                finish(
                        ctx.channel(),
                        !r.decoderResult().isFailure()
                                && r.status().code() >= 200
                                && r.status().code() < 300);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(ctx.channel(), false);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(ctx.channel(), false);
        }

        void finish(Channel ch, boolean ok) {
            if (finished) {
                return;
            }
            finished = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            probing.remove(endpoint);
            endpoint.recordCheck(ok, check.fall(), check.rise());
            ch.close();
        }
    }
}
