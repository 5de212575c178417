package dev.slipway.router;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty implementation of {@link Router}: event loops {@code router-io-N} for traffic, one loop
 * {@code router-health} for active checks, one {@code router-admin} for the admin API, and a plain thread
 * {@code router-reload} for what may block (reading and parsing the file, stage changes), so no event loop
 * ever waits on a disk or a lock.
 */
final class NettyRouter implements Router, AdminOperations {
    private static final Logger log = LoggerFactory.getLogger(NettyRouter.class);

    private final Optional<Path> file;
    private final Clock clock;
    private final Transport transport;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ProcessMetrics processMetrics = ProcessMetrics.bind(registry);
    private final ProxyRuntime runtime;
    private final DnsAddressResolverGroup resolver;
    private final EventLoopGroup workers;
    private final EventLoopGroup health;
    private final EventLoopGroup adminLoop;
    private final ExecutorService reloads;
    private final HealthChecker healthChecker;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Map<String, Stage> overrides = new HashMap<>();
    private final String instance = UUID.randomUUID().toString();
    private Map<String, Stage> configStages = Map.of();
    private volatile ReloadOutcome lastReload = ReloadOutcome.ok();
    private volatile Map<String, SourceStatus> sources = Map.of();
    private Channel server;
    private Channel admin;
    private ConfigWatcher watcher;
    // The listener's certificates (null: plain HTTP, decided at start) and the watch on their files.
    private final ListenerTls tls;
    private ConfigWatcher certificateWatcher;
    private Set<Path> watchedCertificates = Set.of();

    private NettyRouter(
            Optional<Path> file, Clock clock, RouterConfig config, DnsServerAddressStreamProvider nameServers) {
        this.file = file;
        this.clock = clock;
        // Read first: a certificate that cannot serve stops the start before any thread is made.
        this.tls = config.tls().map(t -> ListenerTls.load(t, clock)).orElse(null);
        this.transport = Transport.best();
        int threads = Integer.getInteger(
                "slipway.router.threads", Runtime.getRuntime().availableProcessors());
        // Endpoint host names are looked up by Netty's asynchronous resolver on the loop that connects: the
        // JVM's resolver would block the loop (and every connection on it) for as long as DNS takes.
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(transport.socketChannel())
                .nameServerProvider(nameServers));
        this.runtime = new ProxyRuntime(new RouterMetrics(registry), transport, clock, threads, resolver);
        runtime.upstreamTls.prepare(config);
        if (tls != null) {
            runtime.metrics.certificates(tls.notAfterByHost(), clock);
            runtime.metrics.declare(RouterMeters.TLS_RELOADS, "applied", "none");
            for (ListenerTls.Refusal r : ListenerTls.Refusal.values()) {
                runtime.metrics.declare(RouterMeters.TLS_RELOADS, "rejected", r.tag);
            }
        }
        this.workers = transport.group(threads, "router-io");
        this.health = transport.group(1, "router-health");
        this.adminLoop = transport.group(1, "router-admin");
        this.reloads = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "router-reload");
            t.setDaemon(true);
            return t;
        });
        this.healthChecker = new HealthChecker(health.next(), transport, resolver, runtime.upstreamTls);
        configStages = stagesOf(config);
        install(RoutingSnapshot.build(config, overrides, null, clock));
    }

    static Router start(Path file, Clock clock) {
        return start(file, clock, DnsServerAddressStreamProviders.platformDefault());
    }

    /** As {@link Router#start(Path, Clock)}, asking {@code nameServers} for endpoint host names (tests). */
    static Router start(Path file, Clock clock, DnsServerAddressStreamProvider nameServers) {
        RouterConfig config = RouterConfigLoader.load(file);
        NettyRouter router = new NettyRouter(Optional.of(file), clock, config, nameServers);
        return router.open(config, () -> router.watcher = ConfigWatcher.watch(file, router::reload));
    }

    static Router start(RouterConfig config, Clock clock) {
        return start(config, clock, DnsServerAddressStreamProviders.platformDefault());
    }

    static Router start(RouterConfig config, Clock clock, DnsServerAddressStreamProvider nameServers) {
        List<Problem> problems = RouterConfigCheck.problems(config);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        NettyRouter router = new NettyRouter(config.source(), clock, config, nameServers);
        return router.open(config, () -> {});
    }

    private Router open(RouterConfig config, Runnable watch) {
        try {
            bind(config);
            watch.run();
            watchCertificates(config);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info(
                "router listening on {} (admin {}, {} transport, {} routes{})",
                address(),
                adminAddress(),
                transport.name(),
                config.routes().size(),
                tls == null ? "" : ", TLS: " + tls.describe());
        exposureWarning(adminAddress(), config.adminToken().isPresent()).ifPresent(log::warn);
        return this;
    }

    /** The warning to log when the admin API listens where more than this machine's users can reach it. */
    static Optional<String> exposureWarning(InetSocketAddress admin, boolean tokenRequired) {
        if (admin.getAddress().isLoopbackAddress()) {
            return Optional.empty();
        }
        return Optional.of("the admin API listens on " + admin + ", not on loopback: whoever reaches it can"
                + " change stages and drain the router"
                + (tokenRequired
                        ? " (requests need the admin token)"
                        : "; set adminTokenFile or bind admin to 127.0.0.1"));
    }

    private void bind(RouterConfig config) {
        ServerBootstrap proxy = new ServerBootstrap()
                .group(workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        RouterConfig current = runtime.snapshot().config;
                        RouterConfig.Limits limits = current.limits();
                        ConnectionGuard guard = new ConnectionGuard(runtime, limits);
                        ch.pipeline().addLast("guard", guard);
                        if (current.proxyProtocol()) {
                            // Behind an L4 balancer: the header names the client; the decoder goes once it is read.
                            ch.pipeline().addLast("proxy-protocol", new HAProxyMessageDecoder());
                        }
                        if (tls != null) {
                            // After the PROXY header (which a balancer sends in the clear), before HTTP: the
                            // ClientHello's name picks the certificate.
                            ch.pipeline()
                                    .addLast(
                                            "tls",
                                            tls.newHandler(
                                                    limits.headerReadTimeout().toMillis()));
                        }
                        ch.pipeline()
                                .addLast(
                                        "http",
                                        new HttpServerCodec(new HttpDecoderConfig()
                                                .setMaxInitialLineLength(limits.maxInitialLineBytes())
                                                .setMaxHeaderSize(limits.maxHeaderBytes())
                                                .setMaxChunkSize(16 * 1024)))
                                .addLast("continue", new HttpServerExpectContinueHandler())
                                .addLast("proxy", new ProxyFrontendHandler(runtime, guard, tls != null));
                        clients.add(ch);
                    }
                });
        server = bindOrExplain(proxy, config.listen(), "listen");
        ServerBootstrap adminServer = new ServerBootstrap()
                .group(adminLoop)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(64 * 1024))
                                .addLast(new AdminHandler(NettyRouter.this));
                    }
                });
        admin = bindOrExplain(adminServer, config.admin(), "admin");
    }

    private Channel bindOrExplain(ServerBootstrap b, RouterConfig.Address address, String field) {
        try {
            return b.bind(address.host(), address.port()).sync().channel();
        } catch (Exception e) {
            throw new InvalidInputException(new Problem(
                    file.map(f -> f + " (" + field + ")").orElse(field),
                    "cannot listen on " + address + ": " + e.getMessage(),
                    "pick a free port or stop what uses it"));
        }
    }

    @Override
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public RoutingSnapshot snapshot() {
        return runtime.snapshot();
    }

    @Override
    public ReloadOutcome lastReload() {
        return lastReload;
    }

    @Override
    public boolean draining() {
        return runtime.draining();
    }

    /** Runs {@code work} on the reload thread: admin requests that read files or wait for the config lock. */
    @Override
    public <T> CompletableFuture<T> offLoop(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, reloads);
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public InetSocketAddress adminAddress() {
        return (InetSocketAddress) admin.localAddress();
    }

    @Override
    public RouterConfig config() {
        RoutingSnapshot s = runtime.snapshot();
        List<RouterConfig.Route> routes = s.config.routes().stream()
                .map(r -> r.withStage(stage(r.name())))
                .toList();
        RouterConfig c = s.config;
        return new RouterConfig(
                c.listen(),
                c.admin(),
                c.adminToken(),
                c.limits(),
                c.retries(),
                c.telemetry(),
                c.site(),
                c.proxyProtocol(),
                c.tls(),
                c.backends(),
                routes,
                c.source());
    }

    @Override
    public Stage stage(String route) {
        RouteTraffic t = runtime.snapshot().routeNamed(route);
        return t == null ? Stage.off() : t.stage;
    }

    @Override
    public RouterStats stats() {
        RoutingSnapshot s = runtime.snapshot();
        Map<String, RouterStats.Route> routes = new TreeMap<>();
        for (RouteTraffic t : s.routes) {
            Map<String, RouterStats.Backend> backends = new TreeMap<>();
            backends.put(t.current.name(), backendStats(t.name(), t.current));
            if (t.next != null) {
                backends.put(t.next.name(), backendStats(t.name(), t.next));
            }
            routes.put(t.name(), new RouterStats.Route(backends));
        }
        return new RouterStats(instance, routes);
    }

    /** The backend's numbers through the route, with a zero entry for each configured cluster without any. */
    private RouterStats.Backend backendStats(String route, BackendPool pool) {
        RouterStats.Backend counted = runtime.metrics.trafficOf(route, pool.name());
        Map<String, TrafficCounts> clusters = new TreeMap<>(counted.clusters());
        for (BackendPool.ClusterEndpoints c : pool.clusters) {
            clusters.putIfAbsent(c.name(), TrafficCounts.ZERO);
        }
        return new RouterStats.Backend(counted.total(), clusters);
    }

    @Override
    public synchronized void changeStage(String route, Stage stage) {
        RoutingSnapshot s = runtime.snapshot();
        Optional<RouterConfig.Route> r =
                s.config.routes().stream().filter(x -> x.name().equals(route)).findFirst();
        if (r.isEmpty()) {
            throw new InvalidInputException(new Problem(
                    "route " + route, "there is no route named '" + route + "'", "see GET /config for the routes"));
        }
        if (r.get().migration().isEmpty()) {
            throw new InvalidInputException(new Problem(
                    "route " + route,
                    "route '" + route + "' has no migration, so it has no stages",
                    "add 'migration: {to: BACKEND}' to the route"
                            + file.map(f -> " in " + f).orElse("")));
        }
        overrides.put(route, stage);
        install(RoutingSnapshot.build(s.config, overrides, s, clock));
        log.info("route {} moved to stage {}", route, stage.describe());
    }

    @Override
    public synchronized ReloadOutcome reload() {
        if (file.isEmpty()) {
            return rejected(List.of(new Problem(
                    "reload",
                    "this router was started from a config built in code, so there is no file to re-read",
                    "the program that started it applies changes itself")));
        }
        RouterConfig next;
        try {
            next = RouterConfigLoader.load(file.get());
        } catch (InvalidInputException e) {
            return rejected(e.problems());
        }
        return swapIn(next, "config reloaded from " + file.get());
    }

    @Override
    public synchronized ReloadOutcome apply(RouterConfig next) {
        List<Problem> problems = RouterConfigCheck.problems(next);
        if (!problems.isEmpty()) {
            return rejected(problems);
        }
        return swapIn(next, "config applied");
    }

    private ReloadOutcome rejected(List<Problem> problems) {
        runtime.metrics.count(RouterMeters.RELOADS, "rejected");
        log.warn(
                "config change rejected, the previous config keeps serving:\n{}",
                new InvalidInputException(problems).getMessage());
        lastReload = ReloadOutcome.rejected(problems);
        return lastReload;
    }

    private ReloadOutcome swapIn(RouterConfig next, String what) {
        try {
            runtime.upstreamTls.prepare(next);
        } catch (InvalidInputException e) {
            return rejected(e.problems());
        }
        RoutingSnapshot current = runtime.snapshot();
        if (!next.listen().equals(current.config.listen()) || !next.admin().equals(current.config.admin())) {
            log.warn("listen and admin addresses change only on restart; keeping {} and {}", address(), adminAddress());
        }
        Map<String, Stage> nextStages = stagesOf(next);
        // An admin stage change holds until the config itself moves that route to another stage.
        overrides
                .keySet()
                .removeIf(route ->
                        !nextStages.containsKey(route) || !nextStages.get(route).equals(configStages.get(route)));
        configStages = nextStages;
        install(RoutingSnapshot.build(next, overrides, current, clock));
        runtime.metrics.count(RouterMeters.RELOADS, "applied");
        log.info("{}: {}", what, ConfigChanges.describe(current.config, next));
        reloadCertificates(next);
        watchCertificates(next);
        lastReload = ReloadOutcome.ok();
        return lastReload;
    }

    /** Re-reads the certificate files of the config in place (their watch calls this). */
    synchronized void reloadCertificates() {
        reloadCertificates(runtime.snapshot().config);
    }

    /**
     * Re-reads the listener's certificates: new connections get the new ones, open ones keep theirs; a bad file
     * keeps the last good set, said in the log and in {@code slipway_router_tls_reloads_total}.
     */
    private void reloadCertificates(RouterConfig config) {
        if (tls == null) {
            if (config.tls().isPresent()) {
                log.warn("tls: is turned on only on restart; the listener keeps serving plain HTTP");
            }
            return;
        }
        if (config.tls().isEmpty()) {
            log.warn("tls: is turned off only on restart; the listener keeps serving its certificates");
            return;
        }
        ListenerTls.Reload r = tls.reload(config.tls().get());
        if (!r.applied()) {
            runtime.metrics.count(RouterMeters.TLS_RELOADS, "rejected", r.refusal().tag);
            log.warn(
                    "certificates not reloaded, the last good ones keep serving ({}):\n{}",
                    tls.describe(),
                    new InvalidInputException(r.problems()).getMessage());
            return;
        }
        runtime.metrics.count(RouterMeters.TLS_RELOADS, "applied", "none");
        runtime.metrics.certificates(tls.notAfterByHost(), clock);
        if (r.changed()) {
            log.info("certificates reloaded: {}", tls.describe());
        }
    }

    /** Watches the certificate files of {@code config} (again, when they are other files than before). */
    private synchronized void watchCertificates(RouterConfig config) {
        if (tls == null || config.tls().isEmpty()) {
            return;
        }
        Set<Path> files = new LinkedHashSet<>();
        for (RouterConfig.Certificate c : config.tls().get().certificates()) {
            files.add(c.chain().toAbsolutePath());
            files.add(c.key().toAbsolutePath());
        }
        if (files.equals(watchedCertificates)) {
            return;
        }
        if (certificateWatcher != null) {
            certificateWatcher.close();
        }
        // On the reload thread: reading files and building contexts never holds a watch thread or a loop.
        certificateWatcher =
                ConfigWatcher.watch(files, "router-certificate-watch", () -> reloads.execute(this::reloadCertificates));
        watchedCertificates = files;
    }

    static String describe(RouterConfig.Telemetry t) {
        return "access log " + t.accessLog().orElse("off") + ", spans "
                + t.otlp().map(o -> "to " + o.endpoint()).orElse("not exported") + ", new traces sampled at "
                + t.sampleRatio();
    }

    private static Map<String, Stage> stagesOf(RouterConfig config) {
        Map<String, Stage> stages = new HashMap<>();
        for (RouterConfig.Route r : config.routes()) {
            r.migration().ifPresent(m -> stages.put(r.name(), m.stage()));
        }
        return stages;
    }

    private void install(RoutingSnapshot snapshot) {
        RequestTelemetry current = runtime.telemetry();
        RouterConfig.Telemetry wanted = snapshot.config.telemetry();
        if (!current.config.equals(wanted)) {
            RequestTelemetry was = runtime.telemetry(RequestTelemetry.of(wanted, runtime.metrics));
            // Requests under way end on the old one; closing it writes what they queued.
            CompletableFuture.runAsync(was::close);
            log.info("telemetry: {}", describe(wanted));
        }
        runtime.install(snapshot);
        healthChecker.watch(snapshot);
    }

    @Override
    public void reportSources(Map<String, SourceStatus> next) {
        Map<String, SourceStatus> copy = Collections.unmodifiableMap(new LinkedHashMap<>(next));
        Map<String, SourceStatus> before = sources;
        sources = copy;
        runtime.metrics.sources(copy);
        copy.forEach((name, status) -> {
            SourceStatus was = before.get(name);
            if (was == null || was.isStale() != status.isStale()) {
                if (status.isStale()) {
                    log.warn("source {} is {}; serving the last config it gave", name, status.describe());
                } else if (was != null) {
                    log.info("source {} is up to date again", name);
                }
            }
        });
    }

    @Override
    public Map<String, SourceStatus> sources() {
        return sources;
    }

    @Override
    public CompletableFuture<Void> drain(Duration grace) {
        CompletableFuture<Void> drained = new CompletableFuture<>();
        runtime.startDraining();
        if (server != null) {
            server.close();
        }
        for (Channel ch : clients) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(ProxyFrontendHandler.DRAIN));
        }
        long deadline = System.nanoTime() + grace.toNanos();
        ScheduledFuture<?> poll = health.next()
                .scheduleAtFixedRate(
                        () -> {
                            if (clients.isEmpty() || System.nanoTime() - deadline > 0) {
                                drained.complete(null);
                            }
                        },
                        0,
                        20,
                        TimeUnit.MILLISECONDS);
        drained.whenComplete((v, e) -> poll.cancel(false));
        log.info("draining: {} client connections open", clients.size());
        return drained;
    }

    @Override
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    @Override
    public void close() {
        if (terminated.isDone()) {
            return;
        }
        if (watcher != null) {
            watcher.close();
        }
        synchronized (this) {
            if (certificateWatcher != null) {
                certificateWatcher.close();
            }
        }
        runtime.startDraining();
        healthChecker.stop();
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        if (admin != null) {
            admin.close().syncUninterruptibly();
        }
        clients.close().syncUninterruptibly();
        runtime.closePools();
        reloads.shutdownNow();
        processMetrics.close();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        adminLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        health.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        resolver.close();
        RequestTelemetry telemetry = runtime.telemetry(null);
        if (telemetry != null) {
            telemetry.close();
        }
        registry.close();
        terminated.complete(null);
    }
}
