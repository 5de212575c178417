package dev.slipway.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.http.HttpClientCodec;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Idle keep-alive connections to endpoints, owned by one event loop and only touched from it: no locks, and
 * an upstream channel always runs on the same thread as the client channel it serves.
 */
final class UpstreamPool {
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

    /** An idle connection to {@code address}, or null. */
    Channel poll(InetSocketAddress address) {
        ArrayDeque<Channel> q = idle.get(address);
        if (q == null) {
            return null;
        }
        Channel ch;
        while ((ch = q.pollLast()) != null) {
            idleCount--;
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    ChannelFuture connect(InetSocketAddress address, int connectTimeoutMillis) {
        Bootstrap b = bootstrap
                .clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        initUpstream(ch, address);
                    }
                });
        ChannelFuture f = b.connect(address);
        f.addListener(x -> metrics.count(RouterMeters.UPSTREAM_CONNECTS, x.isSuccess() ? "ok" : "failed"));
        return f;
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
