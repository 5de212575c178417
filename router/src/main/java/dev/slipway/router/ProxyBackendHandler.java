package dev.slipway.router;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/** Hands an upstream connection's response to the exchange it currently serves, or notices it closing. */
final class ProxyBackendHandler extends ChannelInboundHandlerAdapter {
    private final UpstreamPool pool;
    private final InetSocketAddress address;
    private Exchange exchange;

    ProxyBackendHandler(UpstreamPool pool, InetSocketAddress address) {
        this.pool = pool;
        this.address = address;
    }

    void bind(Exchange e) {
        exchange = e;
    }

    void unbind() {
        exchange = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exchange != null) {
            exchange.onUpstreamMessage(ctx.channel(), msg);
        } else {
            // A parked connection must stay silent; anything it says makes it unusable.
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onUpstreamReadComplete(ctx.channel());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange e = exchange;
        exchange = null;
        if (e != null) {
            e.onUpstreamClosed(ctx.channel());
        } else {
            pool.remove(address, ctx.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and decode errors end the connection; channelInactive tells the exchange.
        ctx.close();
    }
}
