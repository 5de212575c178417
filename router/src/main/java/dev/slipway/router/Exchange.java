package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One client request on its way through the router: picks the route and side, streams the request to an
 * endpoint and the response back, retries when that is safe, and answers 504 when the route timeout fires.
 * Runs entirely on the client channel's event loop.
 */
final class Exchange {
    // Header names as AsciiString: their hash is computed once, not on every lookup.
    private static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final long DISCARDABLE_BODY_BYTES = 64 * 1024;

    private final ProxyFrontendHandler frontend;
    private final ChannelHandlerContext ctx;
    private final ProxyRuntime runtime;
    private final UpstreamPool pool;
    private final HttpRequest request;
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final boolean bodyless;
    private final boolean idempotent;
    // A WebSocket handshake (GET with Upgrade: websocket and Connection: upgrade): on a 101 it becomes a Tunnel.
    private final boolean upgrade;
    private final long startNanos = System.nanoTime();
    // Body pieces that arrived before the upstream connection; most requests have none.
    private ArrayDeque<HttpContent> heldBody;
    private CharSequence requestId;
    private RequestTelemetry telemetry;
    private TraceContext trace;
    // Whether the access log or a sampled span wants this request's details (decided when it starts).
    private boolean reported;
    // Whether this request already tried an endpoint that was taken out (panic routing, at most once).
    private boolean panicked;
    private String clientIp;
    private long bytesIn;
    private long bytesOut;
    private long startMillis;
    private RouteTraffic route;
    private BackendPool backend;
    private String setCookie;
    private boolean requestComplete;
    private Channel upstream;
    private ProxyBackendHandler upstreamHandler;
    private EndpointState endpoint;
    private int retries;
    private boolean upstreamKeepAlive;
    private boolean responseStarted;
    private boolean closeAfter;
    private int status;
    // TrafficCounters.OK, TIMEOUT or CONNECT_FAILURE: how the router itself ended the request, if it did.
    private int failure = TrafficCounters.OK;
    private boolean done;
    private boolean inFlight;
    private boolean timeoutArmed;
    private ChannelFuture lastWrite;
    // Reads the next piece of the request body once the previous one reached the current upstream connection.
    private final ChannelFutureListener requestWritten = this::requestWritten;

    Exchange(
            ProxyFrontendHandler frontend,
            ChannelHandlerContext ctx,
            ProxyRuntime runtime,
            UpstreamPool pool,
            HttpRequest request) {
        this.frontend = frontend;
        this.ctx = ctx;
        this.runtime = runtime;
        this.pool = pool;
        this.request = request;
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.clientHttp10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.bodyless = !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0L;
        HttpMethod m = request.method();
        this.idempotent = m.equals(HttpMethod.GET)
                || m.equals(HttpMethod.HEAD)
                || m.equals(HttpMethod.OPTIONS)
                || m.equals(HttpMethod.PUT)
                || m.equals(HttpMethod.DELETE)
                || m.equals(HttpMethod.TRACE);
        HttpHeaders h = request.headers();
        this.upgrade = m.equals(HttpMethod.GET)
                && !clientHttp10
                && h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    boolean wantsBody() {
        return !requestComplete;
    }

    void start(String clientIp) {
        requestId = requestIdOf(request.headers());
        this.clientIp = clientIp;
        String path = pathOf(request.uri());
        telemetry = runtime.telemetry();
        trace = telemetry.begin(request.headers());
        reported = telemetry.wants(trace);
        if (reported) {
            startMillis = runtime.clock.millis();
        }
        RetryBudget budget = runtime.retryBudget();
        budget.onRequest();
        RoutingSnapshot snapshot = runtime.snapshot();
        String rawHost = request.headers().get(HttpHeaderNames.HOST);
        boolean hasHost = rawHost != null && !rawHost.isEmpty();
        if (!hasHost && !clientHttp10) {
            runtime.metrics.count(RouterMeters.REJECTED, "malformed");
            closeAfter = true;
            fail(HttpResponseStatus.BAD_REQUEST, "an HTTP/1.1 request needs a Host header");
            return;
        }
        // Normalising the host (port dropped, lower case) is only worth it when some route names a host.
        route = snapshot.route(snapshot.anyHost ? hostOf(request) : null, path);
        // Shed after routing (a lookup, no I/O): the 503 is then counted in its route's request meters.
        int maxInFlight = snapshot.config.limits().maxInFlight();
        if (runtime.inFlight.incrementAndGet() > maxInFlight) {
            runtime.inFlight.decrementAndGet();
            runtime.metrics.count(RouterMeters.REJECTED, "overload");
            fail(
                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "router overloaded: more than " + maxInFlight + " requests in flight");
            return;
        }
        inFlight = true;
        if (route == null) {
            String host = hostOf(request);
            fail(HttpResponseStatus.NOT_FOUND, "no route for " + (host == null ? "" : host) + path);
            return;
        }
        RouteTraffic.Decision decision = route.decide(request.headers(), clientIp);
        backend = decision.backend();
        setCookie = decision.setCookie();
        if (decision.couldNotTake() != null) {
            route.meters(decision.couldNotTake(), runtime.metrics).couldNotTake();
        }
        prepareUpstreamRequest(hasHost ? rawHost : null, clientIp);
        frontend.armRouteTimeout(route.timeoutNanos);
        timeoutArmed = true;
        attempt(null);
    }

    private void prepareUpstreamRequest(String rawHost, String clientIp) {
        HttpHeaders h = request.headers();
        removeHopByHop(h);
        if (upgrade) {
            // The handshake's own hop-by-hop pair, asked of the endpoint again.
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        }
        h.remove(HttpHeaderNames.EXPECT);
        String forwardedFor = h.get(FORWARDED_FOR);
        h.set(FORWARDED_FOR, forwardedFor == null ? clientIp : forwardedFor + ", " + clientIp);
        h.set(FORWARDED_PROTO, frontend.secure() ? HTTPS : HTTP);
        if (rawHost != null) {
            h.set(FORWARDED_HOST, rawHost);
        }
        h.set(REQUEST_ID, requestId);
        // The opt-in is the router's business: a backend never sees it (nor can a test of it leak to an upstream).
        h.remove(RouteTraffic.OPTIN_HEADER);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /** Headers that describe one connection, not the message: never forwarded (RFC 9110 7.6.1). */
    static void removeHopByHop(HttpHeaders h) {
        String connection = h.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            // Tokens one by one, without splitting: "keep-alive" and "close" name no header worth a lookup.
            int from = 0;
            while (from < connection.length()) {
                int comma = connection.indexOf(',', from);
                int end = comma < 0 ? connection.length() : comma;
                String name = connection.substring(from, end).trim();
                if (!name.isEmpty()
                        && !name.equalsIgnoreCase("transfer-encoding")
                        && !name.equalsIgnoreCase("keep-alive")
                        && !name.equalsIgnoreCase("close")) {
                    h.remove(name);
                }
                from = end + 1;
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.TRAILER);
        h.remove(HttpHeaderNames.UPGRADE);
        h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    }

    private void attempt(EndpointState avoid) {
        EndpointState picked = backend.pick(avoid, System.nanoTime());
        if (picked == null && fallBackToCurrent()) {
            picked = backend.pick(null, System.nanoTime());
        }
        if (picked == null && avoid == null && !panicked) {
            // Nothing available on the first try: try one anyway (panic), once per request.
            panicked = true;
            picked = backend.panicPick();
            if (picked != null) {
                runtime.metrics.count(RouterMeters.PANIC, backend.name());
            }
        }
        EndpointState e = picked;
        if (e == null) {
            failure = TrafficCounters.CONNECT_FAILURE;
            fail(
                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "route '" + route.name() + "': no available endpoint in backend '" + backend.name() + "'");
            return;
        }
        endpoint = e;
        // A connection that began with a PROXY header names one client: never shared, so never pooled.
        SslContext tls = runtime.upstreamTls.of(backend.config);
        Channel pooled = backend.config.proxyProtocol() > 0 ? null : pool.poll(e.address, tls);
        if (pooled != null) {
            send(pooled);
            return;
        }
        int connectMillis = (int) Math.max(1, route.config.connectTimeout().toMillis());
        String serverName = tls == null
                ? null
                : backend.config
                        .tls()
                        .flatMap(RouterConfig.UpstreamTls::serverName)
                        .orElse(e.address.getHostString());
        pool.connect(e.address, connectMillis, tls, serverName, backend.name())
                .addListener((ChannelFutureListener) f -> onConnected(f, e));
    }

    private void onConnected(ChannelFuture f, EndpointState e) {
        if (!f.isSuccess()) {
            if (done) {
                return;
            }
            endpointFailed(e);
            if (fallBackToCurrent()) {
                attempt(null);
                return;
            }
            if (retryAllowed("connect")) {
                attempt(e);
                return;
            }
            failure = TrafficCounters.CONNECT_FAILURE;
            if (f.cause() instanceof ConnectTimeoutException) {
                fail(
                        HttpResponseStatus.GATEWAY_TIMEOUT,
                        "route '" + route.name() + "': connecting to the backend timed out");
            } else {
                fail(HttpResponseStatus.BAD_GATEWAY, "route '" + route.name() + "': cannot connect to the backend");
            }
            return;
        }
        if (done) {
            if (backend.config.proxyProtocol() > 0) {
                f.channel().close();
            } else {
                pool.offer(e.address, f.channel());
            }
            return;
        }
        if (backend.config.proxyProtocol() > 0) {
            f.channel()
                    .write(
                            frontend.proxyHeader(backend.config.proxyProtocol()),
                            f.channel().voidPromise());
        }
        send(f.channel());
    }

    private void send(Channel ch) {
        upstream = ch;
        upstreamHandler = ch.pipeline().get(ProxyBackendHandler.class);
        upstreamHandler.bind(this);
        if (bodyless) {
            // Nothing can follow the head: end the request now, in the same flush. No future is needed: a failed
            // write closes the connection, which the backend handler reports. Keep reading the client as a
            // request with a body would, so its going away is noticed.
            ch.write(request, ch.voidPromise());
            ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
            if (!requestComplete) {
                ctx.read();
            }
            ch.read();
            return;
        }
        ChannelFuture last = ch.write(request);
        if (heldBody != null) {
            HttpContent c;
            while ((c = heldBody.poll()) != null) {
                last = ch.write(c);
            }
        }
        ch.flush();
        last.addListener(requestWritten);
        ch.read();
    }

    private void requestWritten(ChannelFuture f) {
        if (f.isSuccess() && !requestComplete && !done && upstream == f.channel()) {
            ctx.read();
        }
    }

    /** A piece of the request body (or its end) from the client. */
    void onRequestContent(HttpContent content) {
        bytesIn += content.content().readableBytes();
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        if (done) {
            content.release();
            return;
        }
        if (bodyless) {
            // The upstream request was already ended when its head was sent.
            content.release();
            return;
        }
        if (upstream == null) {
            if (heldBody == null) {
                heldBody = new ArrayDeque<>();
            }
            heldBody.add(content);
            return;
        }
        upstream.writeAndFlush(content).addListener(requestWritten);
    }

    /**
     * The client's body could not be decoded: the upstream request is cancelled (it has no valid end) and the
     * client gets 400, or, when the response already started, its connection is closed.
     */
    void rejectMalformedBody(Throwable cause) {
        requestComplete = true;
        closeAfter = true;
        fail(HttpResponseStatus.BAD_REQUEST, "malformed request body: " + describe(cause));
    }

    void onUpstreamMessage(Channel ch, Object msg) {
        if (ch != upstream || done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof DecoderResultProvider p && p.decoderResult().isFailure()) {
            upstreamProtocolError(msg, p.decoderResult().cause());
            return;
        }
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            if (code == 101 && upgrade) {
                tunnel(ch, response);
                return;
            }
            if (code >= 100 && code < 200) {
                // Interim responses (we strip Expect) are not the answer; wait for the real one.
                ReferenceCountUtil.release(msg);
                return;
            }
            if ((code == 502 || code == 503) && retryableAfterSend() && retryAllowed("status_" + code)) {
                ReferenceCountUtil.release(msg);
                endpointFailed(endpoint);
                dropUpstream(true);
                attempt(endpoint);
                return;
            }
            if (code >= 500) {
                endpointFailed(endpoint);
            } else {
                endpoint.recordSuccess();
            }
            status = code;
            upstreamKeepAlive = HttpUtil.isKeepAlive(response);
            prepareResponse(response);
            responseStarted = true;
            if (!(msg instanceof HttpContent)) {
                lastWrite = ctx.write(response);
                return;
            }
        }
        if (msg instanceof LastHttpContent last) {
            bytesOut += last.content().readableBytes();
            responseEnd(last);
        } else if (msg instanceof HttpContent content) {
            bytesOut += content.content().readableBytes();
            lastWrite = ctx.write(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * The endpoint accepted the WebSocket handshake: the 101 goes to the client, the request is recorded as
     * answered (one request, its time the handshake's), and both connections become a {@link Tunnel} that
     * the route timeout no longer bounds — the idle timeout does. A stage change reaches new handshakes only.
     */
    private void tunnel(Channel ch, HttpResponse response) {
        cancelTimeout();
        endpoint.recordSuccess();
        status = 101;
        HttpHeaders h = response.headers();
        removeHopByHop(h);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        h.set(REQUEST_ID, requestId);
        if (setCookie != null) {
            h.add(HttpHeaderNames.SET_COOKIE, setCookie);
        }
        FullHttpResponse head = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS,
                Unpooled.EMPTY_BUFFER,
                h,
                EmptyHttpHeaders.INSTANCE);
        upstreamHandler.unbind();
        upstream = null;
        ctx.writeAndFlush(head, ctx.voidPromise());
        record();
        frontend.handOver(this);
        Tunnel.open(
                runtime,
                ctx.channel(),
                ch,
                runtime.snapshot().config.limits().idleTimeout().toNanos());
    }

    /**
     * The endpoint answered something that is not valid HTTP (no status line, a bad chunk, conflicting
     * Content-Lengths, a head too large): Netty marks such messages failed and would pass them on as a
     * {@code 999 Unknown} or a cut-short body. The client gets 502, or its connection is closed without a
     * clean end when the response head already went out, so it cannot take half a body for a whole one.
     */
    private void upstreamProtocolError(Object msg, Throwable cause) {
        String reason;
        if (cause instanceof TooLongHttpHeaderException) {
            reason = "header_too_large";
        } else if (cause instanceof TooLongHttpLineException) {
            reason = "line_too_long";
        } else if (msg instanceof HttpResponse) {
            reason = "malformed_head";
        } else {
            reason = "malformed_body";
        }
        ReferenceCountUtil.release(msg);
        runtime.metrics.count(RouterMeters.UPSTREAM_PROTOCOL_ERRORS, backend.name(), endpoint.cluster, reason);
        endpointFailed(endpoint);
        // fail() closes the upstream connection (its codec has given up on it) and, if the head was already
        // sent, the client's; otherwise the client's stream is intact and its connection may stay.
        fail(
                HttpResponseStatus.BAD_GATEWAY,
                "route '" + route.name() + "': the backend sent an invalid HTTP response (" + describe(cause) + ")");
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown error";
        }
        String m = cause.getMessage();
        return m == null || m.isBlank() ? cause.getClass().getSimpleName() : m;
    }

    private void prepareResponse(HttpResponse response) {
        HttpHeaders h = response.headers();
        removeHopByHop(h);
        h.set(REQUEST_ID, requestId);
        if (setCookie != null) {
            h.add(HttpHeaderNames.SET_COOKIE, setCookie);
        }
        if (!requestComplete || !clientKeepAlive || runtime.draining()) {
            closeAfter = true;
        }
        boolean delimited = HttpUtil.isContentLengthSet(response) || HttpUtil.isTransferEncodingChunked(response);
        int code = response.status().code();
        boolean mayHaveBody = code != 204 && code != 304 && !request.method().equals(HttpMethod.HEAD);
        // An HTTP/1.0 upstream may end its body by closing; re-frame it so the client connection can stay open.
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (!delimited && mayHaveBody && !clientHttp10) {
            HttpUtil.setTransferEncodingChunked(response, true);
        } else if (!delimited && mayHaveBody) {
            closeAfter = true;
        }
        if (clientHttp10 && !closeAfter) {
            if (HttpUtil.isTransferEncodingChunked(response)) {
                // An HTTP/1.0 client cannot read chunks: send the raw body and mark its end by closing.
                HttpUtil.setTransferEncodingChunked(response, false);
                closeAfter = true;
            } else {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }
        if (closeAfter) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    /** After each burst of response data: flush to the client and read more only once it was written. */
    void onUpstreamReadComplete(Channel ch) {
        if (ch != upstream || done) {
            return;
        }
        ChannelFuture w = lastWrite;
        lastWrite = null;
        ctx.flush();
        if (w == null) {
            ch.read();
            return;
        }
        w.addListener(f -> {
            if (f.isSuccess() && upstream == ch && !done) {
                ch.read();
            }
        });
    }

    private void responseEnd(LastHttpContent last) {
        cancelTimeout();
        Channel ch = upstream;
        boolean reusable = upstreamKeepAlive
                && requestComplete
                && (heldBody == null || heldBody.isEmpty())
                && backend.config.proxyProtocol() == 0;
        upstreamHandler.unbind();
        upstream = null;
        if (reusable) {
            pool.offer(endpoint.address, ch);
        } else {
            ch.close();
        }
        // Only closing the connection after the write needs its future.
        ChannelFuture f = closeAfter ? ctx.writeAndFlush(last) : ctx.writeAndFlush(last, ctx.voidPromise());
        finish(f);
    }

    void onUpstreamClosed(Channel ch) {
        if (ch != upstream || done) {
            return;
        }
        upstream = null;
        if (responseStarted) {
            // Half a response cannot be repaired: end the client connection so it notices.
            closeAfter = true;
            status = 502;
            finish(ctx.newSucceededFuture());
            return;
        }
        endpointFailed(endpoint);
        if (retryableAfterSend() && retryAllowed("reset")) {
            attempt(endpoint);
        } else {
            fail(HttpResponseStatus.BAD_GATEWAY, "route '" + route.name() + "': the backend closed the connection");
        }
    }

    /** The route timeout fired (called by the frontend, which owns the timeout). */
    void onTimeout() {
        timeoutArmed = false;
        if (done) {
            return;
        }
        runtime.metrics.count(RouterMeters.TIMEOUTS, route.name());
        failure = TrafficCounters.TIMEOUT;
        fail(
                HttpResponseStatus.GATEWAY_TIMEOUT,
                "route '" + route.name() + "' timed out after " + human(route.config.timeout()));
    }

    /** The client went away: cancel the upstream request. */
    void abort() {
        if (done) {
            return;
        }
        done = true;
        cancelTimeout();
        dropUpstream(true);
        releaseHeld();
        leaveInFlight();
        // 499 as nginx logs it: the client closed the connection before the answer was complete.
        told(499, "client_closed", System.nanoTime() - startNanos);
    }

    private void fail(HttpResponseStatus s, String message) {
        if (done) {
            return;
        }
        cancelTimeout();
        // Cancel the upstream request: its answer, if any, is no longer wanted.
        dropUpstream(true);
        releaseHeld();
        status = s.code();
        if (responseStarted) {
            closeAfter = true;
            finish(ctx.newSucceededFuture());
            return;
        }
        // The rest of a small body is read and dropped by the frontend; a big one is not worth reading.
        boolean bigBodyPending = !requestComplete
                && (HttpUtil.isTransferEncodingChunked(request)
                        || HttpUtil.getContentLength(request, 0L) > DISCARDABLE_BODY_BYTES);
        if (bigBodyPending || !clientKeepAlive || runtime.draining()) {
            closeAfter = true;
        }
        ByteBuf body = Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8);
        bytesOut = body.readableBytes();
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s, body);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(REQUEST_ID, requestId);
        if (closeAfter) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientHttp10) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        finish(ctx.writeAndFlush(r));
    }

    private void finish(ChannelFuture written) {
        record();
        if (closeAfter) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        frontend.exchangeDone(this, !closeAfter);
    }

    /** The request is answered: its meters, access log line and span. */
    private void record() {
        done = true;
        cancelTimeout();
        releaseHeld();
        leaveInFlight();
        long nanos = System.nanoTime() - startNanos;
        if (route != null && backend != null) {
            route.meters(backend, runtime.metrics)
                    .record(endpoint == null ? RouterMetrics.NO_CLUSTER : endpoint.cluster, status, failure, nanos);
        } else {
            runtime.metrics.requestDone(
                    route == null ? "none" : route.name(),
                    backend == null ? "none" : backend.name(),
                    endpoint == null ? "none" : endpoint.cluster,
                    status,
                    nanos);
        }
        told(
                status,
                failure == TrafficCounters.TIMEOUT
                        ? "timeout"
                        : failure == TrafficCounters.CONNECT_FAILURE ? "connect_failure" : "",
                nanos);
    }

    /** The access log line and span of this request, when either is written. */
    private void told(int code, String how, long nanos) {
        if (!reported) {
            return; // never started, or neither logged nor sampled
        }
        HttpHeaders h = request.headers();
        String host = h.get(HttpHeaderNames.HOST);
        String agent = h.get(HttpHeaderNames.USER_AGENT);
        telemetry.end(new AccessLog.Entry(
                startMillis,
                startNanos,
                clientIp == null ? "" : clientIp,
                request.method().name(),
                host == null ? "" : host,
                request.uri(),
                route == null ? "" : route.name(),
                backend == null ? "" : backend.name(),
                endpoint == null ? "" : endpoint.cluster,
                endpoint == null ? null : endpoint.address,
                code,
                how,
                nanos,
                bytesIn,
                bytesOut,
                retries,
                requestId,
                trace,
                agent == null ? "" : agent));
    }

    /** The path without its query, which may carry tokens: the access log and spans never show it. */
    static String withoutQuery(String path) {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    private void dropUpstream(boolean close) {
        Channel ch = upstream;
        if (ch == null) {
            return;
        }
        upstream = null;
        upstreamHandler.unbind();
        if (close) {
            ch.close();
        }
    }

    private boolean retryableAfterSend() {
        return bodyless && idempotent && !responseStarted;
    }

    /**
     * A request its stage sent to the migration target that cannot reach it (its endpoint refused the
     * connection, or none is available any more: ejected or marked down since the request was routed) goes to
     * the route's backend instead, as {@link RouteTraffic#decide} does when the target has no endpoint at all:
     * a stage never turns a request the route's backend could answer into a 502 or 503. Nothing was sent, so
     * this is safe for any method and takes nothing from the retry budget (the route's backend gets no more
     * requests than without the stage). The target is charged a connect failure, which a rollout judges it by.
     *
     * @return whether the request now goes to the route's backend
     */
    private boolean fallBackToCurrent() {
        if (backend == route.current || backend != route.next) {
            return false;
        }
        route.meters(backend, runtime.metrics).couldNotTake();
        backend = route.current;
        return true;
    }

    private boolean retryAllowed(String reason) {
        if (retries >= runtime.snapshot().config.retries().maxRetries()) {
            return false;
        }
        if (!runtime.retryBudget().tryRetry()) {
            runtime.metrics.count(RouterMeters.RETRIES_DENIED, route.name());
            return false;
        }
        retries++;
        runtime.metrics.count(RouterMeters.RETRIES, route.name(), reason);
        return true;
    }

    private void endpointFailed(EndpointState e) {
        RouterConfig.OutlierDetection policy = backend.config.outlierDetection();
        if (e.recordFailure(System.nanoTime(), policy)) {
            runtime.metrics.count(RouterMeters.EJECTIONS, e.backend, e.cluster);
        }
    }

    private void cancelTimeout() {
        if (timeoutArmed) {
            timeoutArmed = false;
            frontend.disarmRouteTimeout();
        }
    }

    private void releaseHeld() {
        if (heldBody == null) {
            return;
        }
        HttpContent c;
        while ((c = heldBody.poll()) != null) {
            c.release();
        }
    }

    private void leaveInFlight() {
        if (inFlight) {
            inFlight = false;
            runtime.inFlight.decrementAndGet();
        }
    }

    static String hostOf(HttpRequest request) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null || host.isEmpty()) {
            return null;
        }
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            host = host.substring(0, colon);
        }
        return host.toLowerCase(Locale.ROOT);
    }

    static String pathOf(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        // Absolute form (http://host/path) as proxies may receive it.
        int scheme = uri.indexOf("://");
        if (scheme > 0) {
            int slash = uri.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : uri.substring(slash);
        }
        return "/" + uri;
    }

    /** The client's request id if it is sane (1-128 visible ASCII characters), else 32 random hex digits. */
    static CharSequence requestIdOf(HttpHeaders headers) {
        String given = headers.get(REQUEST_ID);
        if (given != null && saneRequestId(given)) {
            return given;
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] id = new byte[32];
        TraceContext.hex(r.nextLong(), id, 0);
        TraceContext.hex(r.nextLong(), id, 16);
        // AsciiString wraps the bytes as they are, and the encoder copies them to the wire as they are.
        return new AsciiString(id, false);
    }

    private static boolean saneRequestId(String id) {
        int n = id.length();
        if (n == 0 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (c <= 32 || c >= 127) {
                return false;
            }
        }
        return true;
    }

    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
