package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket connection after its {@code 101 Switching Protocols}: the client's and the endpoint's connections
 * with their HTTP codecs taken out, relaying bytes both ways untouched (frames are the two ends' business), each
 * side read only as fast as the other writes. It ends when either side closes, or after the idle timeout without
 * a byte either way (the route timeout does not apply: a socket may stay open for hours). Both channels run on one
 * event loop (the upstream pool is per loop), so nothing here is shared between threads.
 */
final class Tunnel {
    static final List<String> CLOSE_REASONS = List.of("client", "backend", "idle", "router");

    private final ProxyRuntime runtime;
    private final Channel client;
    private final Channel upstream;
    private final long idleNanos;
    private long lastActivity = System.nanoTime();
    private boolean closed;
    private ScheduledFuture<?> idleCheck;

    private Tunnel(ProxyRuntime runtime, Channel client, Channel upstream, long idleNanos) {
        this.runtime = runtime;
        this.client = client;
        this.upstream = upstream;
        this.idleNanos = idleNanos;
    }

    /**
     * Turns both connections into the tunnel: the 101 must already be written to the client (its encoder runs as
     * it is written, before the codec goes), and the upstream's codec has handed on the 101's head. Bytes either
     * decoder still holds are relayed as the first bytes of the tunnel.
     */
    static void open(ProxyRuntime runtime, Channel client, Channel upstream, long idleNanos) {
        Tunnel t = new Tunnel(runtime, client, upstream, idleNanos);
        runtime.tunnels.incrementAndGet();
        ChannelPipeline cp = client.pipeline();
        cp.replace("proxy", "tunnel", t.new Side(upstream, "client"));
        if (cp.get("continue") != null) {
            cp.remove("continue");
        }
        cp.remove("http");
        ChannelPipeline up = upstream.pipeline();
        up.replace("proxy", "tunnel", t.new Side(client, "backend"));
        up.remove("http");
        t.idleCheck = client.eventLoop().schedule(t::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
        client.read();
        upstream.read();
    }

    private void checkIdle() {
        if (closed) {
            return;
        }
        long idleFor = System.nanoTime() - lastActivity;
        if (idleFor >= idleNanos) {
            close("idle");
            client.close();
            upstream.close();
            return;
        }
        idleCheck = client.eventLoop().schedule(this::checkIdle, idleNanos - idleFor, TimeUnit.NANOSECONDS);
    }

    private void close(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        runtime.tunnels.decrementAndGet();
        runtime.metrics.count(RouterMeters.TUNNELS_CLOSED, runtime.draining() ? "router" : reason);
    }

    /** One direction: what {@code self} reads goes to {@code peer}. */
    private final class Side extends ChannelInboundHandlerAdapter {
        private final Channel peer;
        private final String name;
        // This side stopped reading because the peer could not take more; resumed when it can.
        private boolean waitingForPeer;

        Side(Channel peer, String name) {
            this.peer = peer;
            this.name = name;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf b)) {
                // The empty end of the 101's HTTP message, handed on while the codec was being taken out.
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!b.isReadable()) {
                b.release();
                return;
            }
            lastActivity = System.nanoTime();
            peer.write(b, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
            if (peer.isWritable()) {
                ctx.read();
            } else {
                waitingForPeer = true;
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // This side's channel can take more: the other side may read again.
            if (ctx.channel().isWritable()) {
                Side other = peer.pipeline().get(Side.class);
                if (other != null && other.waitingForPeer) {
                    other.waitingForPeer = false;
                    peer.read();
                }
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            close(name);
            // What this side sent before closing still reaches the other, then it is closed too.
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            ctx.fireChannelInactive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ProxyFrontendHandler.DRAIN) {
                return; // a tunnel has no request boundary to stop at: it keeps the drain's grace, then closes
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
