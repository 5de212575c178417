package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.CanaryTracks;
import dev.slipway.core.deploy.ClusterGroupBackend;
import dev.slipway.core.deploy.ClusterTargets;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.EnvironmentBackend;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.SecretSource;
import dev.slipway.local.ChildEnvironment;
import dev.slipway.local.CommitCheckouts;
import dev.slipway.local.LabUser;
import dev.slipway.local.LocalEnvironments;
import dev.slipway.local.RotatingFileLog;
import dev.slipway.local.Supervision;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.DeployRequest;
import dev.slipway.store.LabRecord;
import dev.slipway.store.LabState;
import dev.slipway.store.RequestSource;
import dev.slipway.store.Scope;
import dev.slipway.store.Store;
import dev.slipway.store.TokenRecord;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code slipway server}: the control plane. Owns the store, the HTTP API, the deploy queue and the lab reaper, and
 * on start recovers what a previous run of this server left mid-deploy.
 */
public final class SlipwayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlipwayServer.class);
    private static final Duration LOG_POLL = Duration.ofMillis(200);
    /** How long a stopping server waits for deploy and background threads before it closes the store anyway. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(20);

    private static final int KEPT_CHECKOUTS = 10;
    private static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final ServerConfig config;
    private final Clock clock;
    private final Store store;
    private final ServerMetrics metrics;
    private final Optional<LocalEnvironments> localLabs;
    private final DeployRunner runner;
    private final ServerRollouts rollouts;
    private final DeployQueue queue;
    private final LabReaper reaper;
    private final Optional<EventForwarder> events;
    private final ServerLiveness liveness;
    // Reaper sweeps talk to clusters and can take long: a thread of their own, so they delay neither the liveness
    // lease (ServerLiveness has its own) nor the log streams and orphan checks on the background pool.
    private final ScheduledExecutorService reaperThread;
    private final ScheduledExecutorService background;
    private final Javalin http;
    private final boolean tls;
    private final Optional<Path> adminTokenFile;
    /**
     * The open log streams' last pushes, run as the server stops: each stream gets its remaining lines and an
     * {@code end} event with the deploy's state then, also when the deploy has not ended (queued, or running on
     * another server).
     */
    private final Set<Runnable> logStreams = ConcurrentHashMap.newKeySet();
    /** Set when the server starts stopping: the API then answers 503. */
    private volatile boolean stopping;

    private SlipwayServer(
            ServerConfig config,
            Clock clock,
            ClusterTargets targets,
            SecretSource secrets,
            Function<DeployEngine, CanaryTracks> tracks) {
        this.config = config;
        this.clock = clock;
        // Checked before anything is written: a lab user the server cannot switch to refuses the start.
        Optional<LabUser> labUser = config.labUser().map(name -> LabUser.resolve("--lab-user", name));
        try {
            // Owner-only before the store, token or CA key is written into it.
            OwnerOnlyFiles.directory(config.stateDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + config.stateDir(), e);
        }
        this.metrics = new ServerMetrics();
        this.store = Store.open(config.store(), clock, Optional.of(metrics.registry()));
        Optional<LocalEnvironments> labs = Optional.empty();
        ServerRollouts made = null;
        try {
            this.adminTokenFile = FirstAdminToken.ensure(store, config.stateDir());
            DeployEngine engine = new DeployEngine(targets, clock);
            AppSources sources = new AppSources(config.clustersFile());
            made = new ServerRollouts(store, sources, tracks.apply(engine), config, clock);
            this.rollouts = made;
            EnvironmentBackend backend;
            if (config.localLabsOnly()) {
                labUser.ifPresent(user -> LabUserDirectories.open(config, user));
                labs = Optional.of(localLabs(config, secrets, labUser));
                backend = labs.get();
            } else {
                backend = new ClusterGroupBackend(new Renderer(secrets), sources::clusters, engine, targets);
            }
            this.localLabs = labs;
            Path checkoutCache = config.cacheDir().resolve("checkouts");
            CommitCheckouts checkouts = new CommitCheckouts(
                    checkoutCache,
                    KEPT_CHECKOUTS,
                    () -> localLabs
                            .map(l -> CommitCheckouts.commitsIn(checkoutCache, l.directoriesInUse()))
                            .orElse(Set.of()),
                    Clock.systemUTC());
            this.liveness =
                    new ServerLiveness(store.leases(), config.serverId(), config.heartbeat(), config.leaseTtl(), clock);
            this.runner = new DeployRunner(
                    store,
                    engine,
                    backend,
                    sources,
                    checkouts,
                    this::labUrl,
                    config.deployTimeout(),
                    config.serverId(),
                    rollouts,
                    metrics);
            this.queue = new DeployQueue(store, runner, config.serverId(), 4, liveness::healthy);
            rollouts.onEvent(metrics::rolloutEvent);
            metrics.watch(store, clock, liveness::healthy, queue::running);
            // The same backend tears labs down, wherever they run.
            LabReaper.Teardown teardown = (app, lab) -> backend.tearDown(sources.labRef(app, lab));
            this.reaper = new LabReaper(store, teardown, config.serverId(), clock, metrics);
            this.reaperThread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "slipway-reaper"));
            this.background = Executors.newScheduledThreadPool(2, r -> daemon(r, "slipway-server-background"));
            this.tls = !config.loopbackOnly() || config.tls().isPresent();
            Api api = new Api(store, engine, sources, checkouts, queue, reaper, rollouts, this::labUrl, clock, config);
            this.events = config.localLabsOnly()
                    ? Optional.empty()
                    : Optional.of(new EventForwarder(
                            store,
                            sources,
                            targets,
                            config.events(),
                            sinks(config),
                            metrics,
                            clock,
                            this::url,
                            config.serverId()));
            this.http = createHttp(api, clock, sources, targets);
        } catch (RuntimeException e) {
            labs.ifPresent(LocalEnvironments::close);
            if (made != null) {
                made.close();
            }
            store.close();
            metrics.close();
            throw e;
        }
    }

    /** The sinks {@code config} names; a Sentry DSN the SDK refuses stops the start. */
    private static List<EventSink> sinks(ServerConfig config) {
        List<EventSink> sinks = new ArrayList<>();
        config.events().sentryDsn().ifPresent(dsn -> sinks.add(new SentryEventSink(dsn, config.serverId())));
        config.events().webhook().ifPresent(url -> sinks.add(WebhookEventSink.json(url)));
        config.events().chat().ifPresent(url -> sinks.add(WebhookEventSink.chat(url)));
        return sinks;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * The labs of a server without clusters: each lab's commit as local processes behind one router on a loopback
     * port, its output in {@code <state>/labs/logs/<namespace>.log}. Lab processes run in real time, whatever
     * clock drives expiry. They start from a minimal environment ({@link ChildEnvironment#minimal}: none of the
     * server's variables, so not its database credentials), with a private {@code HOME} and {@code TMPDIR} in
     * {@code <state>/labs/run/<namespace>/} (0700), and the server stops them itself on shutdown, after marking
     * their deploys. With a lab user they run as that user, who owns their private directories.
     */
    private static LocalEnvironments localLabs(ServerConfig config, SecretSource secrets, Optional<LabUser> user) {
        Path labsDir = config.stateDir().resolve("labs");
        return LocalEnvironments.withRouter(
                new LocalEnvironments.Settings(
                        Supervision.DEFAULT,
                        ChildEnvironment.minimal(System.getenv()),
                        lab -> secrets,
                        lab -> RotatingFileLog.open(
                                labsDir.resolve("logs"), lab.namespace(), 10L * 1024 * 1024, 5, Clock.systemUTC()),
                        Clock.systemUTC(),
                        1,
                        lab -> 0,
                        lab -> Optional.of(labsDir.resolve("run").resolve(lab.namespace())),
                        user),
                config.routerPort());
    }

    /** Where a lab answers: on the local backend, its router host; on clusters, the configured template if any. */
    private Optional<String> labUrl(LabRecord lab) {
        if (localLabs.isPresent()) {
            return Optional.of(localLabs.get().url(lab.app(), lab.slug()));
        }
        return config.labUrlTemplate()
                .map(t -> t.replace("{lab}", lab.slug())
                        .replace("{app}", lab.app())
                        .replace("{namespace}", lab.namespace()));
    }

    /**
     * Starts a server: opens (and migrates) the store, recovers this server's interrupted deploys, then serves.
     *
     * @param targets how clusters are reached (the Kubernetes backend in production, test clusters in tests)
     * @param secrets where secret values for rendering come from
     */
    public static SlipwayServer start(ServerConfig config, Clock clock, ClusterTargets targets, SecretSource secrets) {
        return start(config, clock, targets, secrets, engine -> engine);
    }

    /**
     * As {@link #start(ServerConfig, Clock, ClusterTargets, SecretSource)}, with the rollouts' track calls (promote
     * stable, remove or abort the canary) made by {@code tracks} of the server's deploy engine instead of the engine
     * itself: tests record them.
     */
    public static SlipwayServer start(
            ServerConfig config,
            Clock clock,
            ClusterTargets targets,
            SecretSource secrets,
            Function<DeployEngine, CanaryTracks> tracks) {
        SlipwayServer server = new SlipwayServer(config, clock, targets, secrets, tracks);
        try {
            server.recover();
            server.restoreLocalLabs();
            server.http.start();
            server.liveness.start();
            server.queue.start();
            server.rollouts.resumeAll();
            server.events.ifPresent(EventForwarder::start);
            server.background.scheduleWithFixedDelay(
                    server::interruptOrphans,
                    config.heartbeat().toMillis(),
                    config.heartbeat().toMillis(),
                    TimeUnit.MILLISECONDS);
            server.reaperThread.scheduleWithFixedDelay(
                    server::sweepQuietly,
                    config.reaperInterval().toMillis(),
                    config.reaperInterval().toMillis(),
                    TimeUnit.MILLISECONDS);
            LOG.info(
                    "slipway server {} listening on {}://{}:{}",
                    config.serverId(),
                    server.tls ? "https" : "http",
                    config.host(),
                    server.port());
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The port the server listens on (useful when it was started on port 0). */
    public int port() {
        return ((ServerConnector) http.jettyServer().server().getConnectors()[0]).getLocalPort();
    }

    /** The base URL clients use. */
    public String url() {
        return (tls ? "https" : "http") + "://"
                + (config.host().contains(":") ? "[" + config.host() + "]" : config.host()) + ":" + port();
    }

    /** The port of the router in front of local labs, when this server runs labs locally (no clusters file). */
    public Optional<Integer> labRouterPort() {
        return localLabs.map(LocalEnvironments::port);
    }

    /** Where the first admin token was written on this start, if this start created it. */
    public Optional<Path> adminTokenFile() {
        return adminTokenFile;
    }

    /** The CA certificate clients should trust, when the server generated its own TLS identity. */
    public Optional<Path> generatedCaCertificate() {
        return tls && config.tls().isEmpty()
                ? Optional.of(config.stateDir().resolve("tls").resolve(TlsMaterial.CA_PEM))
                : Optional.empty();
    }

    /** Runs one reaper sweep now (the server also runs them on its own schedule). */
    public SweepResult sweepLabsNow() {
        LabReaper.Sweep sweep = reaper.sweep();
        return new SweepResult(sweep.deleted(), sweep.failed());
    }

    /** What one reaper sweep did: labs deleted, and labs whose deletion failed (retried later). */
    public record SweepResult(int deleted, int failed) {}

    /** Whether this server holds its liveness lease (and so claims deploys); {@code /health} answers 503 otherwise. */
    public boolean healthy() {
        return liveness.healthy();
    }

    /** The server's rollouts, for tests that start one without a canary deploy. */
    ServerRollouts rollouts() {
        return rollouts;
    }

    /** The event forwarder (absent on a server without clusters), for tests. */
    Optional<EventForwarder> events() {
        return events;
    }

    /** The store, for tests that look at what other servers would see. */
    Store store() {
        return store;
    }

    /**
     * Stops in the order that keeps every record true: refuse new requests and claims, mark this server's running
     * deploys interrupted (so they can be resumed) and end every log stream with its deploy's state (interrupted;
     * queued for a deploy not yet claimed, which stays queued for the next server to claim), then stop the lab
     * processes, wait for the deploys' threads, and close the store last, when nothing writes to it any more.
     */
    @Override
    public void close() {
        stopping = true;
        reaperThread.shutdownNow();
        queue.stopClaiming();
        runner.stop();
        rollouts.close();
        events.ifPresent(EventForwarder::close);
        try {
            store.deploys().interruptRunningOf(config.serverId()).forEach(this::auditInterrupted);
        } catch (RuntimeException e) {
            LOG.warn("could not mark the running deploys interrupted; the next start does: {}", e.toString());
        }
        logStreams.forEach(Runnable::run);
        http.stop();
        background.shutdownNow();
        localLabs.ifPresent(LocalEnvironments::close);
        if (!queue.awaitRunning(STOP_WAIT)) {
            LOG.warn("deploys still running after {}s; they are recorded interrupted", STOP_WAIT.toSeconds());
        }
        awaitQuietly(reaperThread);
        awaitQuietly(background);
        liveness.close();
        try {
            store.leases().release(liveness.lease(), config.serverId());
        } finally {
            store.close();
            metrics.close();
        }
    }

    private static void awaitQuietly(ScheduledExecutorService executor) {
        try {
            if (!executor.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("a background task did not end within {}s of the server stopping", STOP_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void recover() {
        if (!liveness.renewNow()) {
            throw new IllegalStateException(
                    "cannot take liveness lease " + liveness.lease() + ": " + liveness.lastProblem());
        }
        for (DeployRecord deploy : store.deploys().interruptRunningOf(config.serverId())) {
            auditInterrupted(deploy);
        }
    }

    /**
     * A restarted server has no lab processes: every active, unexpired lab is deployed again from its recorded
     * commit (marked as the server's own deploy, which leaves the lab's expiry as it was).
     */
    private void restoreLocalLabs() {
        if (localLabs.isEmpty()) {
            return;
        }
        for (LabRecord lab : store.labs().listLive(Optional.empty())) {
            if (lab.state() != LabState.ACTIVE || !lab.expiresAt().isAfter(clock.instant())) {
                continue;
            }
            DeployRecord deploy = store.deploys()
                    .enqueue(DeployRequest.lab(
                            lab.app(),
                            AppSources.labEnvironment(lab),
                            lab.id(),
                            lab.ref(),
                            Caller.SERVER.name(),
                            RequestSource.SERVER));
            store.auditLog()
                    .record(
                            Caller.SERVER.name(),
                            "lab.restore",
                            lab.app() + "/lab/" + lab.branch(),
                            RequestSource.SERVER,
                            "ref " + lab.ref() + ", deploy " + deploy.id() + " after the server restarted");
        }
    }

    /** Marks the running deploys of servers whose liveness lease expired as interrupted. */
    private void interruptOrphans() {
        try {
            store.deploys().interruptOrphaned().forEach(this::auditInterrupted);
        } catch (RuntimeException e) {
            LOG.warn("looking for deploys of stopped servers failed: {}", e.toString());
        }
    }

    private void auditInterrupted(DeployRecord deploy) {
        LOG.warn(
                "deploy {} of {}/{} was interrupted; resume or roll it back",
                deploy.id(),
                deploy.app(),
                deploy.environment());
        store.auditLog()
                .record(
                        "server",
                        "deploy.interrupted",
                        deploy.app() + "/" + deploy.environment(),
                        RequestSource.SERVER,
                        "deploy " + deploy.id() + " was running when its server stopped");
    }

    private void sweepQuietly() {
        try {
            LabReaper.Sweep sweep = reaper.sweep();
            if (sweep.deleted() + sweep.failed() > 0) {
                LOG.info("reaper: {} lab(s) deleted, {} failed and will be retried", sweep.deleted(), sweep.failed());
            }
        } catch (RuntimeException e) {
            LOG.warn("reaper sweep failed: {}", e.toString());
        }
    }

    // --- HTTP ------------------------------------------------------------------------------------------------

    /** How long a console login lasts (a revoked token ends it sooner). */
    static final Duration CONSOLE_SESSION_TTL = Duration.ofHours(12);

    private Javalin createHttp(Api api, Clock clock, AppSources sources, ClusterTargets targets) {
        String openApi = openApiDocument();
        return Javalin.create(javalin -> {
            javalin.startup.showJavalinBanner = false;
            javalin.startup.showOldJavalinVersionWarning = false;
            javalin.jetty.host = config.host();
            javalin.jetty.port = config.port();
            javalin.jetty.modifyServer(server -> server.setErrorHandler(new ShortErrorPages()));
            if (tls) {
                TlsMaterial.ServerKeystore keystore = config.tls()
                        .map(TlsMaterial::load)
                        .orElseGet(() -> TlsMaterial.selfSigned(config.stateDir(), hostsFor(config.host()), clock));
                javalin.jetty.addConnector((server, httpConfig) -> {
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStore(keystore.keystore());
                    ssl.setKeyStorePassword(new String(keystore.password()));
                    httpConfig.addCustomizer(new SecureRequestCustomizer(false));
                    ServerConnector connector = new ServerConnector(server, ssl, new HttpConnectionFactory(httpConfig));
                    connector.setHost(config.host());
                    connector.setPort(config.port());
                    return connector;
                });
            }
            javalin.routes.get("/health", ctx -> {
                boolean healthy = liveness.healthy();
                Api.json(
                        ctx,
                        healthy ? 200 : 503,
                        Views.JSON.createObjectNode().put("status", healthy ? "ok" : "liveness lease not renewed"));
            });
            javalin.routes.get(
                    "/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
            // Checked as a plain request first, so a refusal is a status and a problem document, not an event
            // inside a stream that has already answered 200.
            SseHandler logStream = new SseHandler(0, this::streamLog);
            LabActions labActions = new LabActions(store, reaper, config.serverId(), config.maxLabTtl(), clock);
            Console console = new Console(
                    store, sources, rollouts, labActions, this::labUrl, logStream, tls, CONSOLE_SESSION_TTL, clock);
            console.register(javalin);
            ChatCommands chat =
                    new ChatCommands(store, api, rollouts, labActions, new ChatKube(sources, targets), this::url);
            config.chat().chatopsPublicKeys().ifPresent(pem -> {
                ChatopsRpc rpc = new ChatopsRpc(
                        dev.slipway.server.chat.ChatopsSignature.of(pem),
                        () -> config.chat().chatopsBaseUrl().orElseGet(this::url),
                        chat);
                javalin.routes.get(ChatopsRpc.PATH, ctx -> {
                    refuseWhileStopping();
                    rpc.listing(ctx);
                });
                javalin.routes.post(ChatopsRpc.PATH + "/{method}", ctx -> {
                    refuseWhileStopping();
                    rpc.invoke(ctx);
                });
            });
            config.chat().slackSigningSecret().ifPresent(secret -> {
                SlackChat slack = new SlackChat(
                        secret, config.chat().slackResponseUrlPrefix(), chat, store, background, clock, this::url);
                javalin.routes.post(SlackChat.PATH, ctx -> {
                    refuseWhileStopping();
                    slack.handle(ctx);
                });
            });
            javalin.routes.exception(Console.ConsoleRefusal.class, console::refused);
            // A token even for metrics: their labels name apps, environments and clusters (docs/observability.md).
            javalin.routes.get("/metrics", ctx -> {
                authenticate(ctx, Scope.METRICS);
                ctx.contentType(METRICS_CONTENT_TYPE).result(metrics.scrape());
            });
            javalin.requestLogger.http((ctx, millis) -> metrics.apiRequest(
                    ctx.method().name(), routeTemplate(ctx), ctx.status().getCode(), Duration.ofNanos((long)
                            (millis * 1_000_000))));
            for (Api.Route route : api.routes()) {
                javalin.routes.addHttpHandler(route.method(), route.path(), ctx -> {
                    refuseWhileStopping();
                    Caller caller =
                            route.scope().map(scope -> authenticate(ctx, scope)).orElse(Caller.GITHUB);
                    route.handler().handle(ctx, caller);
                });
            }
            javalin.routes.get("/api/deploys/{id}/log", ctx -> {
                refuseWhileStopping();
                authenticate(ctx, Scope.READ);
                long id = Api.number("id", ctx.pathParam("id"));
                if (store.deploys().find(id).isEmpty()) {
                    throw ApiException.notFound(
                            "deploy " + id, "no deploy " + id, "list deploys with GET /api/deploys");
                }
                logStream.handle(ctx);
            });
            methodNotAllowed(javalin, api);
            javalin.routes.exception(ApiException.class, (e, ctx) -> problem(ctx, e.status(), e.title(), e.problems()));
            javalin.routes.exception(
                    InvalidInputException.class, (e, ctx) -> problem(ctx, 400, "Invalid input", e.problems()));
            javalin.routes.exception(
                    HttpResponseException.class,
                    (e, ctx) -> problem(
                            ctx,
                            e.getStatus(),
                            e.getMessage(),
                            List.of(new Problem(
                                    ctx.method() + " " + ctx.path(),
                                    e.getMessage(),
                                    "see /openapi.json for the API"))));
            javalin.routes.exception(Exception.class, (e, ctx) -> {
                // A bug: its stack trace, but no caller's value in full (exception messages can quote them).
                LOG.error("{} {} failed", ctx.method(), Inputs.echo(ctx.path()), Inputs.clipped(e));
                problem(
                        ctx,
                        500,
                        "Internal server error",
                        List.of(new Problem(
                                ctx.method() + " " + ctx.path(),
                                "the server failed to handle the request",
                                "see the server log")));
            });
        });
    }

    /** Every other method on a served path answers 405 with the methods it has, not 404. */
    private static void methodNotAllowed(io.javalin.config.JavalinConfig javalin, Api api) {
        java.util.Map<String, List<String>> allowed = new java.util.LinkedHashMap<>();
        for (String path : List.of("/health", "/openapi.json", "/metrics", "/api/deploys/{id}/log")) {
            allowed.computeIfAbsent(path, p -> new ArrayList<>()).add("GET");
        }
        for (String path : Console.GET_PATHS) {
            allowed.computeIfAbsent(path, p -> new ArrayList<>()).add("GET");
        }
        for (String path : Console.POST_PATHS) {
            allowed.computeIfAbsent(path, p -> new ArrayList<>()).add("POST");
        }
        for (Api.Route route : api.routes()) {
            allowed.computeIfAbsent(route.path(), p -> new ArrayList<>())
                    .add(route.method().name());
        }
        List<io.javalin.http.HandlerType> methods = List.of(
                io.javalin.http.HandlerType.GET,
                io.javalin.http.HandlerType.POST,
                io.javalin.http.HandlerType.PUT,
                io.javalin.http.HandlerType.PATCH,
                io.javalin.http.HandlerType.DELETE);
        allowed.forEach((path, served) -> {
            String allow = String.join(", ", served);
            for (io.javalin.http.HandlerType method : methods) {
                if (!served.contains(method.name())) {
                    javalin.routes.addHttpHandler(method, path, ctx -> {
                        ctx.header("Allow", allow);
                        throw new ApiException(
                                405,
                                "Method not allowed",
                                List.of(new Problem(
                                        ctx.method() + " " + path,
                                        path + " does not take " + ctx.method(),
                                        "use " + allow + " (see /openapi.json)")));
                    });
                }
            }
        });
    }

    /** The route a request matched, as its template ({@code /api/deploys/{id}}): raw paths would not stay few. */
    private static String routeTemplate(Context ctx) {
        io.javalin.router.Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
        return endpoint == null ? ServerMetrics.UNMATCHED : endpoint.path;
    }

    private void refuseWhileStopping() {
        if (stopping) {
            throw new ApiException(
                    503,
                    "Service unavailable",
                    List.of(new Problem(
                            "server " + config.serverId(),
                            "the server is stopping",
                            "retry once it (or another server on the same database) is back")));
        }
    }

    private Caller authenticate(Context ctx, Scope needed) {
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw ApiException.unauthorized("no bearer token was sent");
        }
        TokenRecord token = store.tokens()
                .authenticate(header.substring(7).strip())
                .orElseThrow(() -> {
                    ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                    return ApiException.unauthorized("the token is unknown or revoked");
                });
        if (!token.scope().grants(needed)) {
            throw ApiException.forbidden(
                    "token '" + token.name() + "' has scope " + token.scope().wireName() + "; this needs "
                            + needed.wireName(),
                    "ask an admin for a token with scope " + needed.wireName());
        }
        String sourceHeader =
                Optional.ofNullable(ctx.header("X-Slipway-Source")).orElse("api");
        RequestSource source = RequestSource.parse(sourceHeader)
                .filter(s -> s == RequestSource.CLI
                        || s == RequestSource.API
                        || s == RequestSource.CHAT
                        || s == RequestSource.CI)
                .orElseThrow(() -> ApiException.badRequest(
                        "X-Slipway-Source",
                        "'" + Inputs.echo(sourceHeader) + "' is not a request source",
                        "use cli, api, chat or ci"));
        return new Caller(token.name(), token.scope(), source, Optional.of(token.id()));
    }

    /**
     * Streams a deploy's log as server-sent events (the caller's token and the deploy were checked before the
     * stream started) ({@code log} events whose id is the line number, so a client
     * reconnects with {@code Last-Event-ID}), then one {@code end} event with the final state. A comment opens it.
     */
    private void streamLog(SseClient client) {
        Context ctx = client.ctx();
        // Javalin's default content type would otherwise be applied to the stream's response.
        ctx.contentType("text/event-stream");
        long id = Long.parseLong(ctx.pathParam("id"));
        // A reconnecting browser says where it was (Last-Event-ID); a page that shows lines already asks for
        // the ones after them (?after=N).
        AtomicInteger after = new AtomicInteger(Optional.ofNullable(ctx.header("Last-Event-ID"))
                .or(() -> Optional.ofNullable(ctx.queryParam("after")))
                .filter(s -> s.matches("[0-9]{1,9}"))
                .map(Integer::parseInt)
                .orElse(0));
        AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
        client.keepAlive();
        long deployId = id;
        Runnable push = () -> {
            synchronized (client) {
                pushLog(client, deployId, after, false);
            }
            if (client.terminated() && task.get() != null) {
                task.get().cancel(false);
            }
        };
        Runnable last = () -> {
            synchronized (client) {
                pushLog(client, deployId, after, true);
            }
        };
        client.onClose(() -> {
            logStreams.remove(last);
            Optional.ofNullable(task.get()).ifPresent(t -> t.cancel(false));
        });
        logStreams.add(last);
        synchronized (client) {
            // Says the stream is open (and shutdown will end it) before a queued deploy has any line to send.
            client.sendComment("deploy " + deployId);
        }
        task.set(background.scheduleWithFixedDelay(push, 0, LOG_POLL.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Sends the log lines after {@code after}, then, once the deploy has ended (or when {@code last}, as the server
     * stops), the {@code end} event with its state.
     */
    private void pushLog(SseClient client, long deployId, AtomicInteger after, boolean last) {
        if (client.terminated()) {
            return;
        }
        try {
            boolean terminal = store.deploys()
                    .find(deployId)
                    .map(d -> d.state().isTerminal())
                    .orElse(true);
            for (var line : store.deploys().logAfter(deployId, after.get())) {
                client.sendEvent("log", line.line(), String.valueOf(line.seq()));
                after.set(line.seq());
            }
            if (terminal || last) {
                DeployRecord done = store.deploys().find(deployId).orElseThrow();
                client.sendEvent("end", done.state().name().toLowerCase(Locale.ROOT));
                client.close();
            }
        } catch (RuntimeException e) {
            LOG.debug("log stream of deploy {} ended: {}", deployId, e.toString());
            client.close();
        }
    }

    private static void problem(Context ctx, int status, String title, List<Problem> problems) {
        ctx.status(status)
                .contentType("application/problem+json")
                .result(Views.problem(status, title, problems).toString());
    }

    private static List<String> hostsFor(String host) {
        List<String> hosts = new ArrayList<>(List.of(host));
        if (host.equals("0.0.0.0") || host.equals("::")) {
            hosts.clear();
            hosts.add(ServerConfig.defaultServerId());
        }
        hosts.add("localhost");
        hosts.add("127.0.0.1");
        return hosts.stream().distinct().toList();
    }

    static String openApiDocument() {
        try (InputStream in = SlipwayServer.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the server jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
