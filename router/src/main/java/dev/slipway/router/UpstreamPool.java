package dev.slipway.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle keep-alive connections to endpoints, owned by one event loop and only touched from it: no locks, and
 * an upstream channel always runs on the same thread as the client channel it serves.
 */
final class UpstreamPool {
    private static final Logger log = LoggerFactory.getLogger(UpstreamPool.class);
    /** The TLS context a connection was made with (none: plain HTTP), so a pooled one is reused only alike. */
    private static final AttributeKey<SslContext> TLS = AttributeKey.valueOf("slipway.upstream.tls");

    private static final int MAX_IDLE_PER_ENDPOINT = 512;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Map<InetSocketAddress, ArrayDeque<Channel>> idle = new HashMap<>();
    private final RouterMetrics metrics;
    // Written only by the owning loop; volatile so the metrics scrape sees a recent value.
    private volatile int idleCount;

    UpstreamPool(EventLoop loop, ProxyRuntime runtime) {
        this.loop = loop;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(runtime.transport.socketChannel())
                .resolver(runtime.resolver)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
        this.metrics = runtime.metrics;
    }

    int idleCount() {
        return idleCount;
    }

    /** An idle plain-HTTP connection to {@code address}, or null. */
    Channel poll(InetSocketAddress address) {
        return poll(address, null);
    }

    /**
     * An idle connection to {@code address} made with {@code tls} (null: plain), or null. One made otherwise (the
     * backend's {@code tls:} changed since) is closed.
     */
    Channel poll(InetSocketAddress address, SslContext tls) {
        ArrayDeque<Channel> q = idle.get(address);
        if (q == null) {
            return null;
        }
        Channel ch;
        while ((ch = q.pollLast()) != null) {
            idleCount--;
            if (ch.isActive() && ch.attr(TLS).get() == tls) {
                return ch;
            }
            ch.close();
        }
        return null;
    }

    ChannelFuture connect(InetSocketAddress address, int connectTimeoutMillis) {
        return connect(address, connectTimeoutMillis, null, null, null);
    }

    /**
     * A new connection to {@code address}; with {@code tls}, complete once the TLS handshake is (a handshake that
     * fails, a backend certificate the CA did not sign or for another name, fails it as a connect failure would).
     *
     * @param serverName the name sent as SNI and checked against the backend's certificate
     * @param backend for the log line of a failed handshake
     */
    ChannelFuture connect(
            InetSocketAddress address, int connectTimeoutMillis, SslContext tls, String serverName, String backend) {
        Bootstrap b = bootstrap
                .clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            SslHandler ssl = tls.newHandler(ch.alloc(), serverName, address.getPort());
                            ssl.setHandshakeTimeoutMillis(Math.max(connectTimeoutMillis, 1000));
                            ch.attr(TLS).set(tls);
                            ch.pipeline().addLast("tls", ssl);
                        }
                        initUpstream(ch, address);
                    }
                });
        ChannelFuture connected = b.connect(address);
        ChannelFuture f = connected;
        if (tls != null) {
            ChannelPromise handshaken = connected.channel().newPromise();
            connected.addListener(c -> {
                if (!c.isSuccess()) {
                    handshaken.tryFailure(c.cause());
                    return;
                }
                SslHandler ssl = connected.channel().pipeline().get(SslHandler.class);
                // The handshake needs reads, and upstream channels do not read by themselves.
                connected.channel().read();
                ssl.handshakeFuture().addListener(h -> {
                    if (h.isSuccess()) {
                        handshaken.trySuccess();
                    } else {
                        log.warn(
                                "TLS handshake with backend {} endpoint {}:{} (server name {}) failed: {}; check"
                                        + " backends.{}.tls (the ca that signed the endpoint's certificate, the"
                                        + " serverName it is for)",
                                backend,
                                address.getHostString(),
                                address.getPort(),
                                serverName,
                                rootMessage(h.cause()),
                                backend);
                        handshaken.tryFailure(h.cause());
                        connected.channel().close();
                    }
                });
            });
            f = handshaken;
        }
        f.addListener(x -> metrics.count(RouterMeters.UPSTREAM_CONNECTS, x.isSuccess() ? "ok" : "failed"));
        return f;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? t.toString() : t.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** The pipeline of an upstream connection (tests build the same one on an embedded channel). */
    void initUpstream(Channel ch, InetSocketAddress address) {
        ch.pipeline()
                .addLast("proxy-header", HAProxyMessageEncoder.INSTANCE)
                .addLast("http", new HttpClientCodec(8192, 64 * 1024, 8192))
                .addLast("proxy", new ProxyBackendHandler(this, address));
    }

    /** Parks a connection whose response was read completely; one read is kept pending to notice a close. */
    void offer(InetSocketAddress address, Channel ch) {
        if (!ch.isActive()) {
            return;
        }
        ArrayDeque<Channel> q = idle.computeIfAbsent(address, a -> new ArrayDeque<>());
        if (q.size() >= MAX_IDLE_PER_ENDPOINT) {
            ch.close();
            return;
        }
        q.addLast(ch);
        idleCount++;
        ch.read();
    }

    void remove(InetSocketAddress address, Channel ch) {
        ArrayDeque<Channel> q = idle.get(address);
        if (q != null && q.remove(ch)) {
            idleCount--;
        }
    }

    void closeIdle() {
        loop.execute(() -> {
            List<Channel> all = new ArrayList<>();
            idle.values().forEach(all::addAll);
            idle.clear();
            idleCount = 0;
            all.forEach(Channel::close);
        });
    }
}
