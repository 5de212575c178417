package dev.slipway.server;

import dev.slipway.api.Deploy;
import dev.slipway.api.Rollout;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.server.console.AppSummary;
import dev.slipway.server.console.AuditPage;
import dev.slipway.server.console.EnvironmentPage;
import dev.slipway.server.console.Page;
import dev.slipway.server.console.Viewer;
import dev.slipway.store.AppRecord;
import dev.slipway.store.AuditEntry;
import dev.slipway.store.AuditLog;
import dev.slipway.store.ConsoleSessions;
import dev.slipway.store.EnvironmentRecord;
import dev.slipway.store.RequestSource;
import dev.slipway.store.Scope;
import dev.slipway.store.Store;
import dev.slipway.store.TokenRecord;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The web console at {@code /}: server-rendered pages over the same store and rollout controller as the REST
 * API, readable without JavaScript. A login with an API token becomes a session cookie (HttpOnly,
 * SameSite=Strict, Secure on TLS, expiring); every form carries the session's CSRF token and every post is
 * checked for it, for its {@code Origin}, and for the token's scope (a read-only user sees no buttons and gets
 * 403 for a post anyway). Actions are audited as the person, from {@code web}.
 */
final class Console {
    static final String COOKIE = "slipway_session";

    private static final String CSS_PATH = "/console/slipway.css";
    private static final String JS_PATH = "/console/console.js";
    private static final int PAGE = 100;

    private final Store store;
    private final AppSources sources;
    private final ServerRollouts rollouts;
    private final LabActions labs;
    private final java.util.function.Function<dev.slipway.store.LabRecord, Optional<String>> labUrl;
    private final io.javalin.http.sse.SseHandler deployLog;
    private final boolean tls;
    private final Duration sessionTtl;
    private final Clock clock;
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);
    private final byte[] css;
    private final byte[] js;

    Console(
            Store store,
            AppSources sources,
            ServerRollouts rollouts,
            LabActions labs,
            java.util.function.Function<dev.slipway.store.LabRecord, Optional<String>> labUrl,
            io.javalin.http.sse.SseHandler deployLog,
            boolean tls,
            Duration sessionTtl,
            Clock clock) {
        this.store = store;
        this.sources = sources;
        this.rollouts = rollouts;
        this.labs = labs;
        this.labUrl = labUrl;
        this.deployLog = deployLog;
        this.tls = tls;
        this.sessionTtl = sessionTtl;
        this.clock = clock;
        this.css = resource(CSS_PATH);
        this.js = resource(JS_PATH);
    }

    private static byte[] resource(String path) {
        try (InputStream in = Console.class.getResourceAsStream(path)) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the console's " + path + " is missing from the jar", e);
        }
    }

    /** The paths the console serves (for the server's 405 answers). */
    static final List<String> GET_PATHS = List.of(
            "/",
            "/login",
            CSS_PATH,
            JS_PATH,
            "/apps/{app}/environments/{env}",
            "/apps/{app}/environments/{env}/rollout",
            "/audit",
            "/labs",
            "/deploys/{id}",
            "/deploys/{id}/log",
            "/routers");

    /** The paths the console takes form posts on. */
    static final List<String> POST_PATHS = List.of(
            "/login",
            "/logout",
            "/apps/{app}/environments/{env}/rollout/{action}",
            "/labs/{id}/extend",
            "/labs/{id}/down");

    void register(JavalinConfig javalin) {
        javalin.routes.get(CSS_PATH, ctx -> {
            ctx.header("Cache-Control", "max-age=3600");
            ctx.contentType("text/css; charset=utf-8").result(css);
        });
        javalin.routes.get(JS_PATH, ctx -> {
            ctx.header("Cache-Control", "max-age=3600");
            ctx.contentType("text/javascript; charset=utf-8").result(js);
        });
        javalin.routes.get("/login", ctx -> {
            if (session(ctx).isPresent()) {
                ctx.redirect(next(ctx.queryParam("next")), io.javalin.http.HttpStatus.SEE_OTHER);
                return;
            }
            render(ctx, 200, "login.jte", Map.of("page", anonymous("Log in"), "next", next(ctx.queryParam("next"))));
        });
        javalin.routes.post("/login", this::login);
        javalin.routes.post("/logout", ctx -> {
            ConsoleSessions.Session s = posting(ctx, Scope.READ);
            store.consoleSessions().close(ctx.cookie(COOKIE));
            store.auditLog().record(s.token().name(), "console.logout", "console", RequestSource.WEB, "");
            clearCookie(ctx);
            ctx.redirect("/login", io.javalin.http.HttpStatus.SEE_OTHER);
        });
        javalin.routes.get("/", ctx -> reading(ctx, Scope.READ).ifPresent(s -> overview(ctx, s)));
        javalin.routes.get(
                "/apps/{app}/environments/{env}",
                ctx -> reading(ctx, Scope.READ).ifPresent(s -> environment(ctx, s, Optional.empty())));
        // The rollout section alone, which the page's script fetches again every analysis interval.
        javalin.routes.get(
                "/apps/{app}/environments/{env}/rollout",
                ctx -> reading(ctx, Scope.READ).ifPresent(s -> rolloutSection(ctx, s)));
        javalin.routes.post("/apps/{app}/environments/{env}/rollout/{action}", this::rolloutAction);
        javalin.routes.get("/audit", ctx -> reading(ctx, Scope.ADMIN).ifPresent(s -> audit(ctx, s)));
        javalin.routes.get("/deploys/{id}", ctx -> reading(ctx, Scope.READ).ifPresent(s -> deploy(ctx, s)));
        javalin.routes.get("/deploys/{id}/log", ctx -> {
            // An event stream is no page to be redirected from: without a session it is refused outright.
            ConsoleSessions.Session s =
                    session(ctx).orElseThrow(() -> new ConsoleRefusal(401, "Not logged in", "the session has ended"));
            Optional<Long> id = number(ctx.pathParam("id"));
            if (id.isEmpty() || store.deploys().find(id.get()).isEmpty()) {
                notFound(ctx, s);
                return;
            }
            deployLog.handle(ctx);
        });
        javalin.routes.get("/labs", ctx -> reading(ctx, Scope.READ).ifPresent(s -> labs(ctx, s)));
        javalin.routes.get("/routers", ctx -> reading(ctx, Scope.READ).ifPresent(s -> routers(ctx, s)));
        javalin.routes.post("/labs/{id}/extend", ctx -> labAction(ctx, true));
        javalin.routes.post("/labs/{id}/down", ctx -> labAction(ctx, false));
    }

    // --- login and sessions ----------------------------------------------------------------------------------

    private void login(Context ctx) {
        checkOrigin(ctx);
        String next = next(ctx.formParam("next"));
        String secret = Optional.ofNullable(ctx.formParam("token")).orElse("").strip();
        Optional<TokenRecord> token = store.tokens().authenticate(secret);
        if (token.isEmpty()) {
            render(
                    ctx,
                    401,
                    "login.jte",
                    Map.of(
                            "page",
                            anonymous("Log in")
                                    .withError("that token is unknown or revoked; ask an admin for one"
                                            + " (slipway token create NAME --scope read|deploy|admin)"),
                            "next",
                            next));
            return;
        }
        ConsoleSessions.Opened opened = store.consoleSessions().open(token.get(), sessionTtl);
        Cookie cookie = new Cookie(COOKIE, opened.secret());
        cookie.setPath("/");
        cookie.setHttpOnly(true);
        cookie.setSecure(tls);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setMaxAge((int) sessionTtl.toSeconds());
        ctx.cookie(cookie);
        store.auditLog()
                .record(
                        token.get().name(),
                        "console.login",
                        "console",
                        RequestSource.WEB,
                        "session until " + opened.session().expiresAt());
        ctx.redirect(next, io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private Optional<ConsoleSessions.Session> session(Context ctx) {
        return store.consoleSessions().find(ctx.cookie(COOKIE), store.tokens());
    }

    /**
     * The session of a page view needing {@code scope}: without one the browser is sent to the login page (and
     * back here after it); a session whose scope is too small gets a 403 page.
     */
    private Optional<ConsoleSessions.Session> reading(Context ctx, Scope scope) {
        headers(ctx);
        Optional<ConsoleSessions.Session> s = session(ctx);
        if (s.isEmpty()) {
            if (ctx.cookie(COOKIE) != null) {
                clearCookie(ctx); // expired, logged out elsewhere, or its token revoked
            }
            String here = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
            ctx.redirect(
                    "/login?next=" + URLEncoder.encode(here, StandardCharsets.UTF_8),
                    io.javalin.http.HttpStatus.SEE_OTHER);
            return Optional.empty();
        }
        if (!s.get().token().scope().grants(scope)) {
            refuse(ctx, s.get(), scope);
            return Optional.empty();
        }
        return s;
    }

    /**
     * The session of a form post needing {@code scope}, checked before anything changes: a session, the same
     * origin, the session's CSRF token, the scope.
     */
    private ConsoleSessions.Session posting(Context ctx, Scope scope) {
        headers(ctx);
        checkOrigin(ctx);
        ConsoleSessions.Session s = session(ctx)
                .orElseThrow(() -> new ConsoleRefusal(
                        401, "Not logged in", "the session has ended (logged out, expired or its token revoked)"));
        String sent = Optional.ofNullable(ctx.formParam("_csrf")).orElse("");
        if (!MessageDigest.isEqual(
                sent.getBytes(StandardCharsets.UTF_8), s.csrf().getBytes(StandardCharsets.UTF_8))) {
            throw new ConsoleRefusal(
                    403,
                    "Forbidden",
                    "the form did not carry this session's CSRF token; reload the page and try again");
        }
        if (!s.token().scope().grants(scope)) {
            throw new ConsoleRefusal(
                    403,
                    "Forbidden",
                    "token '" + s.token().name() + "' has scope "
                            + s.token().scope().wireName() + "; this needs " + scope.wireName());
        }
        return s;
    }

    /** A post from another origin is refused whatever it carries (browsers send Origin on every post). */
    private void checkOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || origin.equals("null")) {
            if (origin != null) {
                throw new ConsoleRefusal(403, "Forbidden", "a post from an opaque origin is refused");
            }
            return; // not a browser, or an old one: the CSRF token decides
        }
        String host = ctx.header("Host");
        URI uri;
        try {
            uri = URI.create(origin);
        } catch (IllegalArgumentException e) {
            throw new ConsoleRefusal(403, "Forbidden", "the Origin header is not a URL");
        }
        String expected = (tls ? "https" : "http") + "://" + host;
        String given = uri.getScheme() + "://" + uri.getRawAuthority();
        if (host == null || !given.equalsIgnoreCase(expected)) {
            throw new ConsoleRefusal(403, "Forbidden", "a post from another site is refused");
        }
    }

    private void clearCookie(Context ctx) {
        Cookie cookie = new Cookie(COOKIE, "");
        cookie.setPath("/");
        cookie.setHttpOnly(true);
        cookie.setSecure(tls);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setMaxAge(0);
        ctx.cookie(cookie);
    }

    private static void headers(Context ctx) {
        ctx.header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cache-Control", "no-store");
    }

    /** Where to go after logging in: a path on this server only, never another site. */
    private static String next(String given) {
        if (given == null || !given.startsWith("/") || given.startsWith("//") || given.startsWith("/\\")) {
            return "/";
        }
        return given;
    }

    private static Viewer viewer(ConsoleSessions.Session s) {
        Scope scope = s.token().scope();
        return new Viewer(
                s.token().name(), scope.wireName(), scope.grants(Scope.DEPLOY), scope.grants(Scope.ADMIN), s.csrf());
    }

    private static Page anonymous(String title) {
        return new Page(title, Optional.empty(), Optional.empty(), Optional.empty());
    }

    // --- pages -----------------------------------------------------------------------------------------------

    private void overview(Context ctx, ConsoleSessions.Session s) {
        // One query for every environment's last deploy (not one per environment).
        Map<String, Deploy> last = new java.util.HashMap<>();
        store.deploys()
                .latestPerEnvironment()
                .forEach(d -> last.put(d.app() + "/" + d.environment(), Views.deployDocument(d)));
        Map<RolloutKey, dev.slipway.rollout.controller.RolloutState> rolloutStates = rollouts.statuses();
        List<AppSummary> apps = store.apps().list().stream()
                .map(app -> new AppSummary(
                        app.name(),
                        app.environments().stream()
                                .map(env -> new AppSummary.EnvironmentSummary(
                                        env.name(),
                                        env.clusterGroup(),
                                        env.namespace(),
                                        Optional.ofNullable(last.get(app.name() + "/" + env.name())),
                                        Optional.ofNullable(rolloutStates.get(new RolloutKey(app.name(), env.name())))
                                                .map(Views::rolloutDocument)))
                                .toList()))
                .toList();
        render(ctx, 200, "overview.jte", Map.of("page", Page.of("Apps", viewer(s)), "apps", apps));
    }

    /** A registered app and one of its environments, as a page's path names them. */
    private record AppEnvironment(AppRecord app, EnvironmentRecord environment) {}

    /** Warnings listed on an environment's page; the API's {@code GET .../events} has more. */
    static final int RECENT_EVENTS = 10;

    /** The app and environment of the path's {@code {app}} and {@code {env}}; empty when either is unknown. */
    private Optional<AppEnvironment> appEnvironment(Context ctx) {
        return store.apps()
                .find(ctx.pathParam("app"))
                .flatMap(app -> app.environment(ctx.pathParam("env")).map(env -> new AppEnvironment(app, env)));
    }

    private void environment(Context ctx, ConsoleSessions.Session s, Optional<String> error) {
        Optional<AppEnvironment> found = appEnvironment(ctx);
        if (found.isEmpty()) {
            notFound(ctx, s);
            return;
        }
        AppRecord app = found.get().app();
        EnvironmentRecord env = found.get().environment();
        List<Deploy> deploys =
                store.deploys().list(Optional.of(app.name()), Optional.of(env.name()), EnvironmentPage.HISTORY).stream()
                        .map(Views::deployDocument)
                        .toList();
        Optional<Long> before = Optional.ofNullable(ctx.queryParam("before")).flatMap(Console::number);
        List<Deploy> history = before.isEmpty()
                ? deploys
                : store
                        .deploys()
                        .list(Optional.of(app.name()), Optional.of(env.name()), before, EnvironmentPage.HISTORY)
                        .stream()
                        .map(Views::deployDocument)
                        .toList();
        EnvironmentPage page = environmentPage(app, env, deploys, true).withHistory(history, before);
        Page frame = Page.of(app.name() + " / " + env.name(), viewer(s))
                .withFlash(Optional.ofNullable(ctx.queryParam("done")).map(Console::flash));
        if (error.isPresent()) {
            frame = frame.withError(error.get());
        }
        // The clusters' recent warnings (the event forwarder's groups, docs/events.md), newest first.
        List<dev.slipway.store.ForwardedEvent> events =
                store.forwardedEvents().recent(app.name(), env.name(), RECENT_EVENTS);
        render(
                ctx,
                error.isPresent() ? 409 : 200,
                "environment.jte",
                Map.of("page", frame, "env", page, "events", events));
    }

    /** The group's sites and clusters with what the deploys (newest first) left on each. */
    private Optional<dev.slipway.server.console.GroupPicture> picture(
            String appName, String environmentName, String groupName, List<Deploy> deploys, Optional<Rollout> rollout) {
        if (!sources.hasClusters()) {
            return Optional.empty();
        }
        dev.slipway.core.cluster.ClusterGroup group;
        try {
            group = sources.group(groupName);
        } catch (InvalidInputException unknown) {
            return Optional.empty(); // the environment page says the group's name; the clusters file lacks it
        }
        Map<String, String> down = new java.util.LinkedHashMap<>();
        Optional<Map<String, String>> seen = rollouts.clustersDown(
                new RolloutKey(appName, environmentName),
                group.clusters().stream()
                        .map(dev.slipway.core.cluster.Cluster::name)
                        .toList());
        seen.ifPresent(down::putAll);
        rollout.ifPresent(r -> r.down().forEach(c -> down.putIfAbsent(c, "the rollout has it down")));
        Map<String, List<dev.slipway.server.console.GroupPicture.Cell>> bySite = new java.util.LinkedHashMap<>();
        for (dev.slipway.core.cluster.Cluster c : group.clusters()) {
            String state = "never deployed";
            Optional<Integer> revision = Optional.empty();
            Optional<String> ref = Optional.empty();
            boolean stateFound = false;
            for (Deploy d : deploys) {
                Optional<dev.slipway.api.DeployCluster> part = d.clusters().stream()
                        .filter(p -> p.cluster().equals(c.name())
                                && !p.state().equals("pending")
                                && !p.state().equals("skipped"))
                        .findFirst();
                if (part.isEmpty()) {
                    continue;
                }
                if (!stateFound) {
                    state = part.get().state();
                    stateFound = true;
                }
                if (part.get().state().equals("succeeded")) {
                    revision = part.get().revision();
                    ref = d.ref();
                    break;
                }
            }
            bySite.computeIfAbsent(c.site(), s -> new java.util.ArrayList<>())
                    .add(new dev.slipway.server.console.GroupPicture.Cell(
                            c.name(),
                            state,
                            revision,
                            ref,
                            down.containsKey(c.name()) ? "down" : seen.isPresent() ? "healthy" : "unknown",
                            Optional.ofNullable(down.get(c.name()))));
        }
        return Optional.of(new dev.slipway.server.console.GroupPicture(
                group.name(),
                bySite.entrySet().stream()
                        .map(e -> new dev.slipway.server.console.GroupPicture.Site(e.getKey(), e.getValue()))
                        .toList()));
    }

    private static String flash(String action) {
        return switch (action) {
            case "pause" -> "Rollout paused.";
            case "resume" -> "Rollout resumed.";
            case "promote" -> "Rollout promoting: stable moves to the new revision.";
            case "abort" -> "Rollout aborted: all traffic is on stable.";
            case "retry" -> "Rollout started again.";
            default -> "Done.";
        };
    }

    private Optional<Rollout> rollout(String app, String environment) {
        return rollouts.status(new RolloutKey(app, environment)).map(Views::rolloutDocument);
    }

    /** The most windows a chart draws: an hour of the default 10 s interval. */
    private static final int CHART_WINDOWS = 360;

    private EnvironmentPage environmentPage(
            AppRecord app, EnvironmentRecord env, List<Deploy> deploys, boolean withPicture) {
        RolloutKey key = new RolloutKey(app.name(), env.name());
        Optional<dev.slipway.rollout.controller.RolloutState> state = rollouts.status(key);
        Optional<Rollout> rollout = state.map(Views::rolloutDocument);
        Optional<dev.slipway.server.console.RolloutCharts> charts =
                state.flatMap(r -> dev.slipway.server.console.RolloutCharts.of(
                        rollouts.checks(key, 0, CHART_WINDOWS), r.spec().analysis()));
        long refresh = state.map(r -> r.spec().analysis().interval().toMillis())
                .map(ms -> Math.max(2_000, Math.min(ms, 30_000)))
                .orElse(10_000L);
        return new EnvironmentPage(
                app.name(),
                env.name(),
                env.clusterGroup(),
                env.namespace(),
                withPicture ? picture(app.name(), env.name(), env.clusterGroup(), deploys, rollout) : Optional.empty(),
                rollout,
                charts,
                refresh,
                deploys,
                Optional.empty());
    }

    /** The environment's rollout section alone: what the page's script swaps in every analysis interval. */
    private void rolloutSection(Context ctx, ConsoleSessions.Session s) {
        Optional<AppEnvironment> found = appEnvironment(ctx);
        if (found.isEmpty()) {
            notFound(ctx, s);
            return;
        }
        AppRecord app = found.get().app();
        EnvironmentRecord env = found.get().environment();
        Page frame = Page.of(app.name() + " / " + env.name(), viewer(s));
        render(ctx, 200, "rollout.jte", Map.of("page", frame, "env", environmentPage(app, env, List.of(), false)));
    }

    private void rolloutAction(Context ctx) {
        ConsoleSessions.Session s = posting(ctx, Scope.DEPLOY);
        String name = ctx.pathParam("action");
        ServerRollouts.Action action = switch (name) {
            case "pause" -> ServerRollouts.Action.PAUSE;
            case "resume" -> ServerRollouts.Action.RESUME;
            case "promote" -> ServerRollouts.Action.PROMOTE;
            case "abort" -> ServerRollouts.Action.ABORT;
            case "retry" -> ServerRollouts.Action.RETRY;
            default -> null;
        };
        RolloutKey key = new RolloutKey(ctx.pathParam("app"), ctx.pathParam("env"));
        if (action == null || rollouts.status(key).isEmpty()) {
            notFound(ctx, s);
            return;
        }
        Optional<String> reason = Optional.ofNullable(ctx.formParam("reason"))
                .map(String::strip)
                .filter(r -> !r.isEmpty())
                .map(r -> r.length() > 500 ? r.substring(0, 500) : r);
        Caller caller = new Caller(s.token().name(), s.token().scope(), RequestSource.WEB);
        try {
            rollouts.act(key, action, caller, reason);
        } catch (InvalidInputException refused) {
            environment(
                    ctx,
                    s,
                    Optional.of(refused.problems().stream()
                            .map(Problem::describe)
                            .reduce((a, b) -> a + "; " + b)
                            .orElse(name + " was refused")));
            return;
        }
        ctx.redirect(
                "/apps/" + enc(key.app()) + "/environments/" + enc(key.environment()) + "?done=" + name + "#rollout",
                io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void audit(Context ctx, ConsoleSessions.Session s) {
        String actor = param(ctx, "actor");
        String app = param(ctx, "app");
        String action = param(ctx, "action");
        String since = param(ctx, "since");
        Optional<Instant> sinceAt = Optional.empty();
        Optional<String> error = Optional.empty();
        if (!since.isEmpty()) {
            try {
                sinceAt = Optional.of(Instant.parse(since));
            } catch (DateTimeParseException e) {
                error = Optional.of("'since' must be a time such as 2026-12-01T00:00:00Z; showing every time");
            }
        }
        Optional<Long> before = Optional.ofNullable(ctx.queryParam("before")).flatMap(Console::number);
        Optional<Long> after = before.isPresent()
                ? Optional.empty()
                : Optional.ofNullable(ctx.queryParam("after")).flatMap(Console::number);
        List<AuditEntry> entries = store.auditLog()
                .list(new AuditLog.Query(
                        Optional.of(action).filter(a -> !a.isEmpty()),
                        Optional.of(app).filter(a -> !a.isEmpty()),
                        Optional.of(actor).filter(a -> !a.isEmpty()),
                        sinceAt,
                        before,
                        after,
                        PAGE));
        String filters = "actor=" + enc(actor) + "&app=" + enc(app) + "&action=" + enc(action) + "&since=" + enc(since);
        // Paged by id both ways, so entries written meanwhile neither shift nor repeat a page.
        boolean olderExist = entries.size() == PAGE || (after.isPresent() && !entries.isEmpty());
        boolean newerExist = before.isPresent() || (after.isPresent() && entries.size() == PAGE);
        Optional<String> next = olderExist && !entries.isEmpty()
                ? Optional.of(
                        filters + "&before=" + entries.get(entries.size() - 1).id())
                : Optional.empty();
        Optional<String> newer = newerExist && !entries.isEmpty()
                ? Optional.of(filters + "&after=" + entries.get(0).id())
                : Optional.empty();
        Optional<String> newest = newerExist ? Optional.of(filters) : Optional.empty();
        Page frame = Page.of("Audit log", viewer(s));
        if (error.isPresent()) {
            frame = frame.withError(error.get());
        }
        render(
                ctx,
                200,
                "audit.jte",
                Map.of("page", frame, "audit", new AuditPage(entries, actor, app, action, since, next, newer, newest)));
    }

    private void deploy(Context ctx, ConsoleSessions.Session s) {
        Optional<dev.slipway.store.DeployRecord> record =
                number(ctx.pathParam("id")).flatMap(id -> store.deploys().find(id));
        if (record.isEmpty()) {
            notFound(ctx, s);
            return;
        }
        List<dev.slipway.store.LogLine> lines =
                store.deploys().logAfter(record.get().id(), 0);
        int last = lines.isEmpty() ? 0 : lines.get(lines.size() - 1).seq();
        Deploy deploy = Views.deployDocument(record.get());
        render(
                ctx,
                200,
                "deploy.jte",
                Map.of(
                        "page",
                        Page.of("Deploy " + deploy.id(), viewer(s)),
                        "view",
                        new dev.slipway.server.console.DeployPage(
                                deploy,
                                lines.stream()
                                        .map(dev.slipway.store.LogLine::line)
                                        .toList(),
                                last)));
    }

    private void labs(Context ctx, ConsoleSessions.Session s) {
        String app = param(ctx, "app");
        int offset = Optional.ofNullable(ctx.queryParam("offset"))
                .flatMap(Console::number)
                .filter(o -> o >= 0 && o < Integer.MAX_VALUE)
                .map(Long::intValue)
                .orElse(0);
        Optional<String> ofApp = Optional.of(app).filter(a -> !a.isEmpty());
        List<dev.slipway.store.LabRecord> live = store.labs().listLive(ofApp, PAGE, offset);
        int total = store.labs().liveCount(ofApp);
        var ci = store.ciStatuses()
                .combined(live.stream().map(dev.slipway.store.LabRecord::ref).toList());
        List<dev.slipway.api.Lab> shown = live.stream()
                .map(l -> Views.labDocument(l, Optional.ofNullable(ci.get(l.ref())), labUrl.apply(l), clock))
                .toList();
        Page frame = Page.of("Labs", viewer(s)).withFlash(Optional.ofNullable(ctx.queryParam("done")));
        String refused = ctx.queryParam("error");
        if (refused != null) {
            frame = frame.withError(refused);
        }
        render(
                ctx,
                200,
                "labs.jte",
                Map.of(
                        "page",
                        frame,
                        "view",
                        new dev.slipway.server.console.LabsPage(shown, app, offset, total, PAGE)));
    }

    private void labAction(Context ctx, boolean extend) {
        ConsoleSessions.Session s = posting(ctx, Scope.DEPLOY);
        Optional<dev.slipway.store.LabRecord> lab = number(ctx.pathParam("id"))
                .flatMap(id -> store.labs().find(id))
                .filter(l -> l.state() != dev.slipway.store.LabState.DELETED);
        if (lab.isEmpty()) {
            notFound(ctx, s);
            return;
        }
        Caller caller = new Caller(s.token().name(), s.token().scope(), RequestSource.WEB);
        String what = lab.get().app() + "/" + lab.get().branch();
        String done;
        try {
            if (extend) {
                Duration by = Optional.ofNullable(ctx.formParam("by"))
                        .map(String::strip)
                        .filter(b -> !b.isEmpty())
                        .map(b -> labs.lifetime("by", b))
                        .orElse(lab.get().ttl());
                dev.slipway.store.LabRecord extended = labs.extend(lab.get(), by, caller);
                done = "Lab " + what + " extended: expires at "
                        + dev.slipway.server.console.Format.time(extended.expiresAt()) + ".";
            } else {
                labs.down(lab.get(), caller);
                done = "Lab " + what + " taken down.";
            }
        } catch (ApiException refused) {
            String why = refused.problems().stream()
                    .map(Problem::describe)
                    .reduce((a, b) -> a + "; " + b)
                    .orElse(refused.title());
            ctx.redirect("/labs?error=" + enc(why), io.javalin.http.HttpStatus.SEE_OTHER);
            return;
        }
        ctx.redirect("/labs?done=" + enc(done), io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void routers(Context ctx, ConsoleSessions.Session s) {
        List<dev.slipway.server.console.RouterView> views = new java.util.ArrayList<>();
        rollouts.routerConfigs().forEach((name, config) -> {
            try {
                views.add(new dev.slipway.server.console.RouterView(name, Optional.of(config.get()), Optional.empty()));
            } catch (RuntimeException e) {
                views.add(new dev.slipway.server.console.RouterView(
                        name,
                        Optional.empty(),
                        Optional.of(Optional.ofNullable(e.getMessage())
                                .orElse(e.getClass().getSimpleName()))));
            }
        });
        render(ctx, 200, "routers.jte", Map.of("page", Page.of("Routers", viewer(s)), "routers", views));
    }

    private static Optional<Long> number(String text) {
        try {
            return Optional.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String param(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null ? "" : v.strip();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // --- rendering -------------------------------------------------------------------------------------------

    private void notFound(Context ctx, ConsoleSessions.Session s) {
        render(
                ctx,
                404,
                "error.jte",
                Map.of(
                        "page",
                        Page.of("Not found", viewer(s)),
                        "status",
                        404,
                        "what",
                        "nothing is registered at " + ctx.path(),
                        "fix",
                        "pick an app and environment from the list"));
    }

    private void refuse(Context ctx, ConsoleSessions.Session s, Scope needed) {
        render(
                ctx,
                403,
                "error.jte",
                Map.of(
                        "page",
                        Page.of("Forbidden", viewer(s)),
                        "status",
                        403,
                        "what",
                        "token '" + s.token().name() + "' has scope "
                                + s.token().scope().wireName() + "; this page needs " + needed.wireName(),
                        "fix",
                        "ask an admin for a token with scope " + needed.wireName()));
    }

    /** Answers a refused post as a page (its session, if any, still shows who is logged in). */
    void refused(ConsoleRefusal e, Context ctx) {
        headers(ctx);
        Optional<ConsoleSessions.Session> s = session(ctx);
        Page frame = s.map(x -> Page.of(e.title, viewer(x))).orElse(anonymous(e.title));
        render(
                ctx,
                e.status,
                "error.jte",
                Map.of(
                        "page",
                        frame,
                        "status",
                        e.status,
                        "what",
                        e.getMessage(),
                        "fix",
                        e.status == 401 ? "log in again" : ""));
    }

    private void render(Context ctx, int status, String template, Map<String, Object> params) {
        headers(ctx);
        StringOutput out = new StringOutput();
        templates.render(template, params, out);
        ctx.status(status).contentType("text/html; charset=utf-8").result(out.toString());
    }

    /** A post the console refuses before doing anything: answered as a page with this status. */
    static final class ConsoleRefusal extends RuntimeException {
        final int status;
        final String title;

        ConsoleRefusal(int status, String title, String message) {
            super(message);
            this.status = status;
            this.title = title;
        }
    }
}
