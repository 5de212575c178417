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
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The admin API on the loopback port: metrics, health, the config in force, stage changes, reload and drain.
 * Small bodies only, so requests are aggregated here (unlike the proxy path).
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final NettyRouter router;

    AdminHandler(NettyRouter router) {
        this.router = router;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String path = new QueryStringDecoder(req.uri()).path();
        HttpMethod method = req.method();
        FullHttpResponse response;
        try {
            response = handle(
                    method, path, req.content().toString(StandardCharsets.UTF_8).trim());
        } catch (InvalidInputException e) {
            response = problems(HttpResponseStatus.BAD_REQUEST, e.problems());
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(response, keepAlive);
        var f = ctx.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private FullHttpResponse handle(HttpMethod method, String path, String body) {
        if (method.equals(HttpMethod.GET) && path.equals("/healthz")) {
            return router.draining()
                    ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n")
                    : text(HttpResponseStatus.OK, "ok\n");
        }
        if (method.equals(HttpMethod.GET) && path.equals("/metrics")) {
            FullHttpResponse r = text(HttpResponseStatus.OK, router.registry().scrape());
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
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
                "unknown admin path; try GET /healthz, /metrics, /config, POST /routes/NAME/stage, /reload, /drain\n");
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
        root.put("source", String.valueOf(s.config.source()));
        root.put("listen", router.address().toString());
        root.put("draining", router.draining());
        Router.ReloadOutcome last = router.lastReload();
        ObjectNode reload = root.putObject("lastReload").put("applied", last.applied());
        ArrayNode lastProblems = reload.putArray("problems");
        last.problems().forEach(p -> lastProblems.add(p.describe()));
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
                            .put("stage", m.stage().describe()));
        }
        ObjectNode backends = root.putObject("backends");
        for (BackendPool b : s.backends.values()) {
            ObjectNode bn = backends.putObject(b.name()).put("failoverBelow", b.config.failoverBelow());
            ArrayNode clusters = bn.putArray("clusters");
            for (BackendPool.ClusterEndpoints c : b.clusters) {
                ObjectNode cn = clusters.addObject()
                        .put("name", c.name())
                        .put("weight", c.weight())
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
