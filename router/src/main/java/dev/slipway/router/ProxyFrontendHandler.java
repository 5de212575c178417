package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one client connection: one exchange at a time, so pipelined requests are answered in order; the
 * next request is read only when the current one is answered, and the body only as fast as upstream takes it.
 */
final class ProxyFrontendHandler extends ChannelInboundHandlerAdapter {
    /** Fired down every client pipeline when the router drains: idle connections close at once. */
    static final Object DRAIN = new Object();

    private static final Logger log = LoggerFactory.getLogger(ProxyFrontendHandler.class);

    private final ProxyRuntime runtime;
    private final ConnectionGuard guard;
    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();
    /** The route timeout of the exchange in progress: one node per connection, re-armed for each request. */
    private final DeadlineWheel.Timeout routeTimeout = new DeadlineWheel.Timeout() {
        @Override
        void expired() {
            if (current != null) {
                current.onTimeout();
            }
        }
    };

    private ChannelHandlerContext ctx;
    private DeadlineWheel wheel;
    private UpstreamPool pool;
    private String clientIp;
    // The client connection's ends as a PROXY header to a backend would name them (from the one received, if any).
    private int clientPort;
    private String destination;
    private int destinationPort;
    private HAProxyProxiedProtocol family;
    private Exchange current;
    private boolean closing;
    private boolean dispatching;

    private final boolean secure;

    ProxyFrontendHandler(ProxyRuntime runtime, ConnectionGuard guard) {
        this(runtime, guard, false);
    }

    /** @param secure whether the connection arrived over TLS (X-Forwarded-Proto: https) */
    ProxyFrontendHandler(ProxyRuntime runtime, ConnectionGuard guard, boolean secure) {
        this.runtime = runtime;
        this.guard = guard;
        this.secure = secure;
    }

    boolean secure() {
        return secure;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.pool = runtime.pool(ctx.channel().eventLoop());
        this.wheel = runtime.wheel(ctx.executor());
        this.clientIp = ctx.channel().remoteAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress()
                : "unknown";
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote
                && ctx.channel().localAddress() instanceof InetSocketAddress local) {
            clientPort = remote.getPort();
            destination = local.getAddress().getHostAddress();
            destinationPort = local.getPort();
            family = remote.getAddress() instanceof java.net.Inet6Address
                    ? HAProxyProxiedProtocol.TCP6
                    : HAProxyProxiedProtocol.TCP4;
        }
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage proxied) {
            proxied(proxied);
            return;
        }
        if (closing || !(msg instanceof HttpObject o)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        waiting.add(o);
        drain();
    }

    /**
     * The PROXY protocol header an L4 balancer sent first: its source is the client (X-Forwarded-For, the
     * access log, {@code sticky: client-address}); a {@code LOCAL} header (the balancer's own health check)
     * keeps the connection's address. The request itself follows.
     */
    private void proxied(HAProxyMessage m) {
        try {
            if (m.command() == HAProxyCommand.PROXY && m.sourceAddress() != null) {
                clientIp = m.sourceAddress();
                clientPort = m.sourcePort();
                destination = m.destinationAddress();
                destinationPort = m.destinationPort();
                family = m.proxiedProtocol();
            }
        } finally {
            m.release();
        }
        ctx.read();
    }

    /** Hands waiting messages on while they can be handled; asks for more only when nothing is in progress. */
    private void drain() {
        if (dispatching) {
            return;
        }
        dispatching = true;
        try {
            while (!closing && !waiting.isEmpty()) {
                HttpObject next = waiting.peek();
                if (current != null) {
                    if (next instanceof HttpContent c && current.wantsBody()) {
                        waiting.poll();
                        if (c.decoderResult().isFailure()) {
                            malformedBody(c);
                            break;
                        }
                        current.onRequestContent(c);
                        continue;
                    }
                    break;
                }
                waiting.poll();
                if (next instanceof HttpRequest request) {
                    begin(request);
                } else if (next.decoderResult().isFailure()) {
                    // The tail of an answered request turned out malformed: the decoder has given up on the
                    // stream, so nothing after it can be read as a request.
                    ReferenceCountUtil.release(next);
                    runtime.metrics.count(RouterMeters.REJECTED, "malformed");
                    closing = true;
                    releaseWaiting();
                    ctx.close();
                } else {
                    // The tail of a request that was already answered.
                    ReferenceCountUtil.release(next);
                }
            }
        } finally {
            dispatching = false;
        }
        if (current == null && !closing && waiting.isEmpty()) {
            if (runtime.draining()) {
                closing = true;
                ctx.close();
                return;
            }
            guard.awaitingHead();
            ctx.read();
        }
    }

    private void begin(HttpRequest request) {
        guard.headReceived();
        if (request.decoderResult().isFailure()) {
            reject(request);
            return;
        }
        Exchange e = new Exchange(this, ctx, runtime, pool, request);
        current = e;
        e.start(clientIp);
    }

    /**
     * A request body piece the codec could not decode (a chunk size such as {@code zz}, {@code 0x3} or one that
     * overflows): Netty hands it on as an empty last piece, which must not pass for the end of the body.
     */
    private void malformedBody(HttpContent c) {
        Throwable cause = c.decoderResult().cause();
        c.release();
        runtime.metrics.count(RouterMeters.REJECTED, "malformed");
        current.rejectMalformedBody(cause);
    }

    /** A PROXY protocol header of {@code version} naming this client connection, for a backend that wants one. */
    HAProxyMessage proxyHeader(int version) {
        if (family == null) {
            return new HAProxyMessage(
                    version == 1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                    HAProxyCommand.LOCAL,
                    HAProxyProxiedProtocol.UNKNOWN,
                    null,
                    null,
                    0,
                    0);
        }
        return new HAProxyMessage(
                version == 1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY,
                family,
                clientIp,
                destination,
                clientPort,
                destinationPort);
    }

    void armRouteTimeout(long nanos) {
        wheel.arm(routeTimeout, nanos);
    }

    void disarmRouteTimeout() {
        wheel.disarm(routeTimeout);
    }

    /**
     * The exchange became a WebSocket tunnel: this connection carries no more HTTP, so this handler lets go of
     * it (the tunnel takes its place in the pipeline).
     */
    void handOver(Exchange e) {
        if (current == e) {
            current = null;
        }
        closing = true;
        releaseWaiting();
    }

    /** Called by the exchange once its response is written (or failed). */
    void exchangeDone(Exchange e, boolean keepAlive) {
        if (current == e) {
            current = null;
        }
        if (!keepAlive) {
            closing = true;
            releaseWaiting();
            return;
        }
        drain();
    }

    private void reject(HttpRequest request) {
        Throwable cause = request.decoderResult().cause();
        ReferenceCountUtil.release(request);
        HttpResponseStatus status;
        String reason;
        if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            reason = "header_too_large";
        } else if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            reason = "line_too_long";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            reason = "malformed";
        }
        runtime.metrics.count(RouterMeters.REJECTED, reason);
        closing = true;
        releaseWaiting();
        ByteBuf body = Unpooled.copiedBuffer(status.reasonPhrase() + "\n", StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DRAIN) {
            if (current == null) {
                closing = true;
                releaseWaiting();
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (current != null) {
            current.abort();
            current = null;
        }
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection failed: {}", cause.toString());
        ctx.close();
    }

    private void releaseWaiting() {
        HttpObject o;
        while ((o = waiting.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
    }
}
