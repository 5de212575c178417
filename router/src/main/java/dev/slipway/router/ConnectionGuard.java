package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * Protects the router from clients that hold connections without using them: caps open connections, and
 * closes a connection whose request head does not arrive within the header read timeout (slowloris) or
 * that stays idle between requests longer than the idle timeout. Sits before the HTTP codec, on raw bytes.
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private static final byte[] TOO_MANY = rawResponse("503 Service Unavailable", "too many connections");
    private static final byte[] HEAD_TIMEOUT =
            rawResponse("408 Request Timeout", "the request head took too long to send");

    private enum State {
        IDLE,
        READING_HEAD,
        BUSY
    }

    private final ProxyRuntime runtime;
    private final RouterConfig.Limits limits;
    private final DeadlineWheel.Timeout deadline = new DeadlineWheel.Timeout() {
        @Override
        void expired() {
            ConnectionGuard.this.expired();
        }
    };
    private ChannelHandlerContext ctx;
    private DeadlineWheel wheel;
    private State state = State.IDLE;
    private boolean counted;

    ConnectionGuard(ProxyRuntime runtime, RouterConfig.Limits limits) {
        this.runtime = runtime;
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.wheel = runtime.wheel(ctx.executor());
        counted = true;
        if (runtime.connections.incrementAndGet() > limits.maxConnections() || runtime.draining()) {
            runtime.metrics.count(RouterMeters.REJECTED, "connections");
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        awaitingHead();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.IDLE && msg instanceof ByteBuf b && b.isReadable()) {
            state = State.READING_HEAD;
            schedule(limits.headerReadTimeout().toNanos());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        if (counted) {
            counted = false;
            runtime.connections.decrementAndGet();
        }
        ctx.fireChannelInactive();
    }

    /** The codec produced a request head: the route timeout governs from here. */
    void headReceived() {
        state = State.BUSY;
        cancel();
    }

    /** The connection waits for its next request. */
    void awaitingHead() {
        state = State.IDLE;
        schedule(limits.idleTimeout().toNanos());
    }

    private void schedule(long nanos) {
        wheel.arm(deadline, nanos);
    }

    private void cancel() {
        if (wheel != null) {
            wheel.disarm(deadline);
        }
    }

    private static byte[] rawResponse(String status, String message) {
        String body = message + "\n";
        return ("HTTP/1.1 " + status + "\r\ncontent-type: text/plain\r\ncontent-length: " + body.length()
                        + "\r\nconnection: close\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
    }

    private void expired() {
        if (state == State.READING_HEAD) {
            runtime.metrics.count(RouterMeters.REJECTED, "header_timeout");
            ctx.writeAndFlush(Unpooled.wrappedBuffer(HEAD_TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        } else if (state == State.IDLE) {
            ctx.close();
        }
    }
}
