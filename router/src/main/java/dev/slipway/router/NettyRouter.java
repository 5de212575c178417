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
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty implementation of {@link Router}: one worker group for traffic, one thread for admin and checks. */
final class NettyRouter implements Router {
    private static final Logger log = LoggerFactory.getLogger(NettyRouter.class);

    private final Path file;
    private final Clock clock;
    private final Transport transport;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ProxyRuntime runtime;
    private final EventLoopGroup workers;
    private final EventLoopGroup control;
    private final HealthChecker healthChecker;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Map<String, Stage> overrides = new HashMap<>();
    private Map<String, Stage> fileStages = Map.of();
    private volatile ReloadOutcome lastReload = ReloadOutcome.ok();
    private Channel server;
    private Channel admin;
    private ConfigWatcher watcher;

    private NettyRouter(Path file, Clock clock, RouterConfig config) {
        this.file = file;
        this.clock = clock;
        this.transport = Transport.best();
        int threads = Integer.getInteger(
                "slipway.router.threads", Runtime.getRuntime().availableProcessors());
        this.runtime = new ProxyRuntime(new RouterMetrics(registry), transport, clock, threads);
        this.workers = transport.group(threads);
        this.control = transport.group(1);
        this.healthChecker = new HealthChecker(control.next(), transport);
        fileStages = stagesOf(config);
        install(RoutingSnapshot.build(config, overrides, null, clock));
    }

    static Router start(Path file, Clock clock) {
        RouterConfig config = RouterConfigLoader.load(file);
        NettyRouter router = new NettyRouter(file, clock, config);
        try {
            router.bind(config);
            router.watcher = ConfigWatcher.watch(file, router::reload);
        } catch (RuntimeException e) {
            router.close();
            throw e;
        }
        log.info(
                "router listening on {} (admin {}, {} transport, {} routes)",
                router.address(),
                router.adminAddress(),
                router.transport.name(),
                config.routes().size());
        return router;
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
                        RouterConfig.Limits limits = runtime.snapshot().config.limits();
                        ConnectionGuard guard = new ConnectionGuard(runtime, limits);
                        ch.pipeline()
                                .addLast("guard", guard)
                                .addLast(
                                        "http",
                                        new HttpServerCodec(new HttpDecoderConfig()
                                                .setMaxInitialLineLength(limits.maxInitialLineBytes())
                                                .setMaxHeaderSize(limits.maxHeaderBytes())
                                                .setMaxChunkSize(16 * 1024)))
                                .addLast("continue", new HttpServerExpectContinueHandler())
                                .addLast("proxy", new ProxyFrontendHandler(runtime, guard));
                        clients.add(ch);
                    }
                });
        server = bindOrExplain(proxy, config.listen(), "/listen");
        ServerBootstrap adminServer = new ServerBootstrap()
                .group(control)
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
        admin = bindOrExplain(adminServer, config.admin(), "/admin");
    }

    private Channel bindOrExplain(ServerBootstrap b, RouterConfig.Address address, String field) {
        try {
            return b.bind(address.host(), address.port()).sync().channel();
        } catch (Exception e) {
            throw new InvalidInputException(new Problem(
                    file + " (" + field.substring(1) + ")",
                    "cannot listen on " + address + ": " + e.getMessage(),
                    "pick a free port or stop what uses it"));
        }
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    RoutingSnapshot snapshot() {
        return runtime.snapshot();
    }

    ReloadOutcome lastReload() {
        return lastReload;
    }

    boolean draining() {
        return runtime.draining();
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
        return new RouterConfig(c.listen(), c.admin(), c.limits(), c.retries(), c.backends(), routes, c.source());
    }

    @Override
    public Stage stage(String route) {
        RouteTraffic t = runtime.snapshot().routeNamed(route);
        return t == null ? Stage.off() : t.stage;
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
                    "add 'migration: {to: BACKEND}' to the route in " + file));
        }
        overrides.put(route, stage);
        install(RoutingSnapshot.build(s.config, overrides, s, clock));
        log.info("route {} moved to stage {}", route, stage.describe());
    }

    @Override
    public synchronized ReloadOutcome reload() {
        RouterConfig next;
        try {
            next = RouterConfigLoader.load(file);
        } catch (InvalidInputException e) {
            runtime.metrics.count(RouterMeters.RELOADS, "rejected");
            log.warn("config reload rejected, the previous config keeps serving:\n{}", e.getMessage());
            lastReload = ReloadOutcome.rejected(e.problems());
            return lastReload;
        }
        RoutingSnapshot current = runtime.snapshot();
        if (!next.listen().equals(current.config.listen()) || !next.admin().equals(current.config.admin())) {
            log.warn("listen and admin addresses change only on restart; keeping {} and {}", address(), adminAddress());
        }
        Map<String, Stage> nextFileStages = stagesOf(next);
        // An admin stage change holds until the file itself moves that route to another stage.
        overrides
                .keySet()
                .removeIf(route -> !nextFileStages.containsKey(route)
                        || !nextFileStages.get(route).equals(fileStages.get(route)));
        fileStages = nextFileStages;
        install(RoutingSnapshot.build(next, overrides, current, clock));
        runtime.metrics.count(RouterMeters.RELOADS, "applied");
        log.info("config reloaded from {}", file);
        lastReload = ReloadOutcome.ok();
        return lastReload;
    }

    private static Map<String, Stage> stagesOf(RouterConfig config) {
        Map<String, Stage> stages = new HashMap<>();
        for (RouterConfig.Route r : config.routes()) {
            r.migration().ifPresent(m -> stages.put(r.name(), m.stage()));
        }
        return stages;
    }

    private void install(RoutingSnapshot snapshot) {
        runtime.install(snapshot);
        healthChecker.watch(snapshot);
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
        ScheduledFuture<?> poll = control.next()
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
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        control.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        registry.close();
        terminated.complete(null);
    }
}
