package dev.slipway.router;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API on the loopback port: metrics, health, the config in force, stage changes, reload and drain.
 * Small bodies only, so requests are aggregated here (unlike the proxy path). It refuses requests a web page
 * could have sent (a foreign Host, as DNS rebinding gives, or a foreign Origin) and, when the config names
 * an admin token, requests without it. Work that may block runs on the router's reload thread, and every
 * request gets an answer, a 500 with a problem body when something unexpected fails.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AdminOperations router;

    AdminHandler(AdminOperations router) {
        this.router = router;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (req.decoderResult().isFailure()) {
            respond(
                    ctx,
                    false,
                    problems(
                            HttpResponseStatus.BAD_REQUEST,
                            List.of(new Problem(
                                    "request",
                                    "not a valid HTTP request: "
                                            + req.decoderResult().cause(),
                                    ""))));
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        HttpMethod method = req.method();
        Optional<FullHttpResponse> refused = refusal(req.headers(), method, path);
        if (refused.isPresent()) {
            respond(ctx, keepAlive, refused.get());
            return;
        }
        String body = req.content().toString(StandardCharsets.UTF_8).trim();
        if (method.equals(HttpMethod.POST) || method.equals(HttpMethod.PUT)) {
            // Changes may read the file or wait for another change to finish: never on this event loop. Reads
            // stop until the answer is written, so pipelined requests are still answered in order.
            ctx.channel().config().setAutoRead(false);
            try {
                router.offLoop(() -> answer(method, path, body)).whenComplete((response, error) -> {
                    ctx.channel().config().setAutoRead(true);
                    respond(ctx, keepAlive, error == null ? response : internalError(error));
                });
            } catch (RejectedExecutionException e) {
                respond(ctx, false, text(HttpResponseStatus.SERVICE_UNAVAILABLE, "the router is stopping\n"));
            }
            return;
        }
        respond(ctx, keepAlive, answer(method, path, body));
    }

    /** The response to a request that passed the checks; a bug becomes a 500, never a silent connection. */
    private FullHttpResponse answer(HttpMethod method, String path, String body) {
        try {
            return handle(method, path, body);
        } catch (InvalidInputException e) {
            return problems(HttpResponseStatus.BAD_REQUEST, e.problems());
        } catch (RuntimeException e) {
            return internalError(e);
        }
    }

    private static FullHttpResponse internalError(Throwable e) {
        log.error("admin request failed unexpectedly", e);
        return problems(
                HttpResponseStatus.INTERNAL_SERVER_ERROR,
                List.of(new Problem(
                        "router",
                        "the admin request failed unexpectedly (" + e.getClass().getSimpleName() + ")",
                        "see the router log for the stack trace; the config in force is unchanged unless"
                                + " GET /config says otherwise")));
    }

    private static void respond(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        HttpUtil.setKeepAlive(response, keepAlive);
        var f = ctx.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection failed: {}", cause.toString());
        ctx.close();
    }

    /**
     * Why this request is refused, if it is. A browser sends requests for any page it shows, so the admin
     * API only answers a Host that names it by IP address, {@code localhost} or the host written in
     * {@code admin:} (a name an attacker controls cannot be rebound to it), refuses an Origin or fetch site
     * other than itself, and wants the bearer token when one is configured ({@code GET /healthz} excepted,
     * so load balancers can probe it).
     */
    private Optional<FullHttpResponse> refusal(HttpHeaders headers, HttpMethod method, String path) {
        int port = router.adminAddress().getPort();
        String host = headers.get(HttpHeaderNames.HOST);
        if (host == null || !allowedAuthority(host, port)) {
            return Optional.of(forbidden(
                    "Host " + (host == null ? "(none)" : "'" + host + "'") + " does not name this admin API",
                    "send requests to 127.0.0.1:" + port + " or localhost:" + port
                            + "; other host names are refused so web pages cannot reach the API"));
        }
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (origin != null && !sameOrigin(origin, port)) {
            return Optional.of(forbidden(
                    "requests from another origin ('" + origin + "') are refused",
                    "the admin API is not for web pages; call it with curl or slipway"));
        }
        String site = headers.get("sec-fetch-site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return Optional.of(forbidden(
                    "requests a browser marks " + site + " are refused",
                    "the admin API is not for web pages; call it with curl or slipway"));
        }
        Optional<AdminToken> token = router.snapshot().config.adminToken();
        boolean open = method.equals(HttpMethod.GET) && path.equals("/healthz");
        if (token.isPresent() && !open) {
            String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
            boolean ok = auth != null
                    && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                    && token.get().matches(auth.substring(7).trim());
            if (!ok) {
                FullHttpResponse r = problems(
                        HttpResponseStatus.UNAUTHORIZED,
                        List.of(new Problem(
                                "Authorization",
                                auth == null ? "the admin API needs a token" : "the admin token is wrong",
                                "send 'Authorization: Bearer TOKEN' with the token in "
                                        + token.get().file())));
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"slipway-router\"");
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** {@code host:port} naming this API: the port is the admin port, the host an IP, localhost or admin's host. */
    private boolean allowedAuthority(String authority, int port) {
        int colon = authority.lastIndexOf(':');
        if (colon <= 0 || authority.indexOf(']') > colon) {
            return false;
        }
        String host = authority.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String portText = authority.substring(colon + 1);
        if (!portText.equals(Integer.toString(port))) {
            return false;
        }
        return host.equalsIgnoreCase("localhost")
                || NetUtil.isValidIpV4Address(host)
                || NetUtil.isValidIpV6Address(host)
                || host.equalsIgnoreCase(router.snapshot().config.admin().host());
    }

    private boolean sameOrigin(String origin, int port) {
        return origin.regionMatches(true, 0, "http://", 0, 7) && allowedAuthority(origin.substring(7), port);
    }

    private static FullHttpResponse forbidden(String what, String fix) {
        return problems(HttpResponseStatus.FORBIDDEN, List.of(new Problem("request", what, fix)));
    }

    private FullHttpResponse handle(HttpMethod method, String path, String body) {
        if (method.equals(HttpMethod.GET) && path.equals("/healthz")) {
            return health();
        }
        if (method.equals(HttpMethod.GET) && path.equals("/metrics")) {
            FullHttpResponse r = text(HttpResponseStatus.OK, router.scrape());
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            return r;
        }
        if (method.equals(HttpMethod.GET) && path.equals("/stats")) {
            // One line: 66 latency buckets per backend and cluster would make a pretty print long.
            FullHttpResponse r = text(HttpResponseStatus.OK, RouterStatsJson.toJson(router.stats()) + "\n");
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            return r;
        }
        if (method.equals(HttpMethod.GET) && path.equals("/config")) {
            return json(HttpResponseStatus.OK, describe());
        }
        if (method.equals(HttpMethod.POST) && path.equals("/reload")) {
            Router.ReloadOutcome outcome = router.reload();
            return outcome.applied()
                    ? json(HttpResponseStatus.OK, JSON.createObjectNode().put("applied", true))
                    : problems(HttpResponseStatus.UNPROCESSABLE_ENTITY, outcome.problems());
        }
        if (method.equals(HttpMethod.POST) && path.equals("/drain")) {
            router.drain(Duration.ofSeconds(30));
            return text(HttpResponseStatus.ACCEPTED, "draining\n");
        }
        if (path.startsWith("/routes/") && path.endsWith("/stage")) {
            String route = path.substring("/routes/".length(), path.length() - "/stage".length());
            if (method.equals(HttpMethod.GET)) {
                return json(HttpResponseStatus.OK, stageOf(route));
            }
            if (method.equals(HttpMethod.POST) || method.equals(HttpMethod.PUT)) {
                Optional<Stage> stage = Stage.parse(body);
                if (stage.isEmpty()) {
                    return problems(
                            HttpResponseStatus.BAD_REQUEST,
                            List.of(new Problem("request body", "'" + body + "' is not a stage", Stage.syntax())));
                }
                router.changeStage(route, stage.get());
                return json(HttpResponseStatus.OK, stageOf(route));
            }
        }
        return text(
                HttpResponseStatus.NOT_FOUND,
                "unknown admin path; try GET /healthz, /metrics, /stats, /config, POST /routes/NAME/stage, /reload, /drain\n");
    }

    /**
     * {@code ok} / {@code draining} as text for a router read from its file; a router fed from sources answers
     * JSON naming each source, {@code degraded} (still 200: it serves its last good config) while one is stale.
     */
    private FullHttpResponse health() {
        Map<String, SourceStatus> sources = router.sources();
        if (sources.isEmpty()) {
            return router.draining()
                    ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n")
                    : text(HttpResponseStatus.OK, "ok\n");
        }
        boolean stale = sources.values().stream().anyMatch(SourceStatus::isStale);
        ObjectNode root = JSON.createObjectNode();
        root.put("status", router.draining() ? "draining" : stale ? "degraded" : "ok");
        ObjectNode source = root.putObject("source");
        sources.forEach((name, status) -> source.put(name, status.describe()));
        return json(router.draining() ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK, root);
    }

    private ObjectNode stageOf(String route) {
        return JSON.createObjectNode()
                .put("route", route)
                .put("stage", router.stage(route).describe());
    }

    private ObjectNode describe() {
        RoutingSnapshot s = router.snapshot();
        long now = System.nanoTime();
        ObjectNode root = JSON.createObjectNode();
        root.put("source", s.config.source().map(String::valueOf).orElse("(built in code)"));
        root.put("listen", router.address().toString());
        root.put("draining", router.draining());
        if (!router.sources().isEmpty()) {
            ObjectNode sources = root.putObject("sources");
            router.sources().forEach((name, status) -> {
                ObjectNode n = sources.putObject(name).put("stale", status.isStale());
                status.staleSince().ifPresent(since -> n.put("staleSince", since.toString()));
                if (!status.detail().isEmpty()) {
                    n.put("detail", status.detail());
                }
            });
        }
        Router.ReloadOutcome last = router.lastReload();
        ObjectNode reload = root.putObject("lastReload").put("applied", last.applied());
        ArrayNode lastProblems = reload.putArray("problems");
        last.problems().forEach(p -> lastProblems.add(p.describe()));
        s.config.site().ifPresent(site -> root.put("site", site));
        ArrayNode routes = root.putArray("routes");
        for (RouteTraffic t : s.routes) {
            RouterConfig.Route r = t.config;
            ObjectNode n = routes.addObject()
                    .put("name", r.name())
                    .put("host", r.host().orElse("*"))
                    .put("pathPrefix", r.pathPrefix())
                    .put("backend", r.backend())
                    .put("timeout", Exchange.human(r.timeout()))
                    .put("connectTimeout", Exchange.human(r.connectTimeout()));
            r.migration()
                    .ifPresent(m -> n.putObject("migration")
                            .put("to", m.to())
                            .put("stage", m.stage().describe())
                            .put("sticky", r.stickiness().describe()));
        }
        ObjectNode backends = root.putObject("backends");
        for (BackendPool b : s.backends.values()) {
            ObjectNode bn = backends.putObject(b.name()).put("failoverBelow", b.config.failoverBelow());
            ArrayNode clusters = bn.putArray("clusters");
            for (BackendPool.ClusterEndpoints c : b.clusters) {
                ObjectNode cn = clusters.addObject()
                        .put("name", c.name())
                        .put("weight", c.weight())
                        .put("ownSite", c.local())
                        .put("healthy", b.clusterHealthy(c, now));
                ArrayNode endpoints = cn.putArray("endpoints");
                for (EndpointState e : c.endpoints()) {
                    ObjectNode en = endpoints
                            .addObject()
                            .put("address", e.label)
                            .put("available", e.available(now))
                            .put("healthCheck", e.checkHealthy() ? "up" : "down")
                            .put("ejected", e.ejected(now));
                    long since = e.unavailableSinceMillis(now);
                    if (since != 0) {
                        en.put("unavailableSince", Instant.ofEpochMilli(since).toString())
                                .put("unavailableSinceMillis", since);
                    }
                }
            }
        }
        return root;
    }

    private static FullHttpResponse problems(HttpResponseStatus status, List<Problem> problems) {
        ObjectNode root = JSON.createObjectNode();
        root.put("applied", false);
        ArrayNode list = root.putArray("problems");
        for (Problem p : problems) {
            list.addObject().put("where", p.where()).put("what", p.what()).put("fix", p.fix());
        }
        return json(status, root);
    }

    private static FullHttpResponse json(HttpResponseStatus status, ObjectNode body) {
        FullHttpResponse r = text(status, body.toPrettyString() + "\n");
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        return r;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
        return r;
    }
}
