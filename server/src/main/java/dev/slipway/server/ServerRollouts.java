package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.CanaryTracks;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.rollout.controller.Check;
import dev.slipway.rollout.controller.EngineTracks;
import dev.slipway.rollout.controller.JsonRolloutStore;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutEvent;
import dev.slipway.rollout.controller.RolloutEvents;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutRunner;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RolloutStateJson;
import dev.slipway.rollout.controller.RouterClusterHealth;
import dev.slipway.rollout.controller.RouterTrafficStats;
import dev.slipway.rollout.controller.StageBoard;
import dev.slipway.rollout.feed.FeedRouting;
import dev.slipway.router.RouterStats;
import dev.slipway.store.AppRecord;
import dev.slipway.store.RequestSource;
import dev.slipway.store.RolloutChecks;
import dev.slipway.store.Store;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's rollouts: one {@link RolloutController} on the server's store ({@code rollouts} table), its
 * transitions in the audit log, its tracks calls to the deploy engine, its numbers from the routers of the
 * server config, and its stages on a {@link StageBoard} the routers long-poll. A {@link RolloutRunner} ticks
 * every rollout not settled: those in the store when the server starts (a restarted server resumes them) and
 * those started later.
 */
final class ServerRollouts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerRollouts.class);
    private static final Duration ROUTER_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration STAGES_SYNC = Duration.ofSeconds(1);

    /** What people may do to a rollout over the API. */
    enum Action {
        PAUSE,
        RESUME,
        PROMOTE,
        ABORT,
        RETRY;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Store store;
    private final AppSources sources;
    private final StageBoard board;
    private final RolloutController controller;
    private final RolloutRunner runner;
    private final Map<String, Supplier<JsonNode>> routerConfigs;
    private final RouterClusterHealth health;
    /** Who asks, on the thread that asks: the controller reports people's transitions on it. */
    private final ThreadLocal<Asker> asking = new ThreadLocal<>();

    /** Who asks on this thread: where the request came from, and the reason they gave. */
    private record Asker(RequestSource source, Optional<String> reason) {}

    private volatile boolean closed;
    /** Told of every transition as it happens, before its audit entry (the server's metrics count them). */
    private volatile java.util.function.Consumer<RolloutEvent> listener = event -> {};

    ServerRollouts(Store store, AppSources sources, CanaryTracks tracks, ServerConfig config, Clock clock) {
        this.store = store;
        this.sources = sources;
        // Versions must order across server runs, whatever clock drives the rollouts: the wall clock's.
        this.board = new StageBoard(Clock.systemUTC());
        JsonRolloutStore rollouts = new JsonRolloutStore(new JsonRolloutStore.Rows() {
            @Override
            public Optional<JsonRolloutStore.Row> load(String app, String environment) {
                return store.rollouts()
                        .load(app, environment)
                        .map(r -> new JsonRolloutStore.Row(r.state(), r.version()));
            }

            @Override
            public boolean save(String app, String environment, String state, long expectedVersion) {
                return store.rollouts().save(app, environment, state, expectedVersion);
            }
        });
        Routers routers = routers(config.routers());
        this.routerConfigs = routers.configs();
        RouterTrafficStats stats = new RouterTrafficStats(routers.stats(), this::routes);
        // Promotions deploy as the controller, from this server, with the server's deploy timeout.
        EngineTracks engineTracks = new EngineTracks(
                tracks,
                key -> sources.target(app(key.app()), key.environment()),
                key -> DeployOptions.by("rollout-controller")
                        .withHost(config.serverId())
                        .withTimeout(config.deployTimeout()));
        RolloutEvents events = new RolloutEvents() {
            @Override
            public void transition(RolloutEvent event) {
                audit(event);
            }

            @Override
            public void checked(RolloutKey key, List<String> clusters, Check check) {
                keep(key, clusters, check);
            }
        };
        // A freeze of the environment (its own, every app's, a recurring window) holds its rollouts' steps.
        this.controller = new RolloutController(rollouts, stats, board, engineTracks, events, clock, engineTracks);
        // A cluster every router sees without a healthy stable endpoint pauses its rollouts until it is back.
        this.health = new RouterClusterHealth(routers.configs(), this::routes);
        this.runner = RolloutRunner.onOwnThread(controller, health);
    }

    /** Follows every rollout in the store that is not settled: a restarted server takes them up where they were. */
    void resumeAll() {
        for (var row : store.rollouts().list()) {
            try {
                RolloutState state = RolloutStateJson.read(row.state());
                if (!state.settled()) {
                    LOG.info("rollout {} resumes", state.key());
                    runner.follow(state.key());
                }
            } catch (RuntimeException e) {
                LOG.warn("the stored rollout of {}/{} cannot be read: {}", row.app(), row.environment(), e.toString());
            }
        }
    }

    /**
     * After a deploy of an environment that brought its new revision up as a canary: starts its rollout with the
     * environment's {@code rollout:} spec and follows it.
     *
     * @param actor who asked for the deploy, who starts the rollout
     * @param from where that request came from, for the audit log
     * @return the started rollout; empty when the deploy brought no canary up or the environment has no rollout
     * @throws InvalidInputException when the controller refuses (a rollout of the environment is under way)
     */
    Optional<RolloutState> afterDeploy(
            String appName,
            String environment,
            App source,
            DeployReport report,
            String revision,
            String actor,
            RequestSource from) {
        List<String> canaries = report.canaryClusters();
        if (canaries.isEmpty()) {
            return Optional.empty();
        }
        Optional<RolloutSpec> spec = source.spec().environment(environment).flatMap(EnvironmentSpec::rollout);
        if (spec.isEmpty()) {
            return Optional.empty();
        }
        RolloutKey key = new RolloutKey(appName, environment);
        RolloutState state = asking(
                new Asker(from, Optional.empty()), () -> controller.start(key, spec.get(), revision, canaries, actor));
        runner.follow(key);
        return Optional.of(state);
    }

    /**
     * After a deploy whose canary could not run on a cluster (the engine took it, and those it brought up on other
     * clusters, away; stable never stopped serving): records the environment's rollout of {@code revision} as
     * stopped with the reason, its transitions in the audit log, setting no stage.
     *
     * @return the recorded rollout; empty when no canary failed or the environment has no rollout
     * @throws InvalidInputException when a rollout of the environment is under way (it is left as it is)
     */
    Optional<RolloutState> afterFailedCanary(
            String appName,
            String environment,
            App source,
            DeployReport report,
            String revision,
            String actor,
            RequestSource from) {
        Optional<ClusterResult> failed = report.failedCanary();
        Optional<RolloutSpec> spec = source.spec().environment(environment).flatMap(EnvironmentSpec::rollout);
        if (failed.isEmpty() || spec.isEmpty()) {
            return Optional.empty();
        }
        RolloutKey key = new RolloutKey(appName, environment);
        RolloutState state = asking(
                new Asker(from, Optional.empty()),
                () -> controller.canaryFailed(
                        key,
                        spec.get(),
                        revision,
                        report.canaryAttempts(),
                        Set.copyOf(report.canaryClusters()),
                        failed.get().cluster(),
                        failed.get().failure().orElseThrow().aboutObject(),
                        actor));
        if (!state.settled()) {
            runner.follow(key);
        }
        return Optional.of(state);
    }

    /**
     * The rollout's state, if the environment has one, as stored: read without waiting for a tick under way (which
     * may be waiting on a cluster), and the same on every server of the database.
     */
    Optional<RolloutState> status(RolloutKey key) {
        return store.rollouts().load(key.app(), key.environment()).map(r -> RolloutStateJson.read(r.state()));
    }

    /** Every environment's rollout as {@link #status} gives it, read in one query (for the console's overview). */
    Map<RolloutKey, RolloutState> statuses() {
        Map<RolloutKey, RolloutState> all = new java.util.HashMap<>();
        store.rollouts()
                .list()
                .forEach(r -> all.put(new RolloutKey(r.app(), r.environment()), RolloutStateJson.read(r.state())));
        return all;
    }

    /**
     * Does what a person asked, recorded with their name and why.
     *
     * @throws InvalidInputException when the controller refuses, with its reason
     */
    RolloutState act(RolloutKey key, Action action, Caller caller, Optional<String> reason) {
        String why = reason.orElse("by hand");
        RolloutState state = asking(new Asker(caller.source(), reason), () -> switch (action) {
            case PAUSE -> controller.pause(key, caller.name(), why);
            case RESUME -> controller.resume(key, caller.name());
            case PROMOTE -> controller.promote(key, caller.name());
            case ABORT -> controller.abort(key, caller.name(), why);
            case RETRY -> controller.retry(key, caller.name());
        });
        if (!state.settled()) {
            runner.follow(key);
        }
        return state;
    }

    /**
     * The stages the routers follow, with their version; waits up to {@code atMost} for a version greater than
     * {@code after}. The board is brought up to the stored stages every second meanwhile, so a server whose own
     * controller did not make a change (another server on the database did) serves it within a second.
     */
    StageBoard.Snapshot stages(RolloutKey key, long after, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, atMost.toNanos());
        while (true) {
            sync(key);
            long left = deadline - System.nanoTime();
            Duration slice = Duration.ofNanos(Math.max(0, Math.min(left, STAGES_SYNC.toNanos())));
            StageBoard.Snapshot now = board.await(key, after, slice);
            if (now.version() > after || deadline - System.nanoTime() <= 0 || closed) {
                return now;
            }
        }
    }

    /** Sets the board's stages to the stored ones (a change the board already has changes nothing). */
    private void sync(RolloutKey key) {
        try {
            status(key).ifPresent(state -> state.clusters().forEach(c -> board.setStage(key, c.cluster(), c.stage())));
        } catch (RuntimeException e) {
            LOG.debug("the stored stages of {} could not be read: {}", key, e.toString());
        }
    }

    /** Starts a rollout as {@link #afterDeploy} does, for tests that have no canary deploy. */
    RolloutState start(RolloutKey key, RolloutSpec spec, String revision, List<String> clusters, String actor) {
        RolloutState state = asking(
                new Asker(RequestSource.SERVER, Optional.empty()),
                () -> controller.start(key, spec, revision, clusters, actor));
        runner.follow(key);
        return state;
    }

    /** The rollouts being ticked. */
    java.util.Set<RolloutKey> following() {
        return runner.following();
    }

    /** Stops ticking and ends the stages' long polls. */
    @Override
    public void close() {
        closed = true;
        runner.close();
        board.close();
    }

    private <T> T asking(Asker asker, Supplier<T> call) {
        Asker before = asking.get();
        asking.set(asker);
        try {
            return call.get();
        } finally {
            if (before == null) {
                asking.remove();
            } else {
                asking.set(before);
            }
        }
    }

    /**
     * The clusters of the environment the routers see down right now (no healthy endpoint of its stable backend on
     * any router read), each with why; empty when nothing can be said: no routers listed, none readable, or an app
     * without a service the routers route to.
     */
    Optional<Map<String, String>> clustersDown(RolloutKey key, List<String> clusters) {
        if (routerConfigs.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (routes(key).isEmpty()) {
                return Optional.empty();
            }
            return health.down(key, clusters);
        } catch (RuntimeException e) {
            LOG.debug("the health of {}'s clusters cannot be read: {}", key, e.toString());
            return Optional.empty();
        }
    }

    /** Each configured router's admin {@code GET /config}, by its admin URL (the console's routers page). */
    Map<String, Supplier<JsonNode>> routerConfigs() {
        return routerConfigs;
    }

    /** Tells {@code listener} of every transition from now on. */
    void onEvent(java.util.function.Consumer<RolloutEvent> listener) {
        this.listener = listener;
    }

    /** The checks of the environment's current rollout, oldest first, at most {@code limit}, after {@code afterId}. */
    List<RolloutChecks.CheckRow> checks(RolloutKey key, long afterId, int limit) {
        return store.rolloutChecks().recent(key.app(), key.environment(), afterId, limit);
    }

    /** Keeps a judged window for the console's charts; a rollout's start forgets the previous rollout's. */
    private void keep(RolloutKey key, List<String> clusters, Check check) {
        try {
            store.rolloutChecks()
                    .record(new RolloutChecks.CheckRow(
                            0,
                            key.app(),
                            key.environment(),
                            String.join(",", clusters),
                            check.at(),
                            check.window().toMillis(),
                            check.requests(),
                            check.errors(),
                            micros(check.canaryP99()),
                            check.stableRequests(),
                            check.stableErrors(),
                            micros(check.stableP99()),
                            check.verdict().wireName()));
        } catch (RuntimeException e) {
            LOG.warn("the check of {} at {} was not kept for the charts: {}", key, check.at(), e.toString());
        }
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }

    private void audit(RolloutEvent event) {
        if (event.action().equals("rollout.start") && event.cluster().isEmpty()) {
            try {
                store.rolloutChecks()
                        .deleteBefore(event.key().app(), event.key().environment(), event.at());
            } catch (RuntimeException e) {
                LOG.warn("the previous rollout's checks of {} stay: {}", event.key(), e.toString());
            }
        }
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            LOG.warn("the rollout event {} of {} was not counted: {}", event.action(), event.target(), e.toString());
        }
        try {
            Optional<Asker> asker = event.byController() ? Optional.empty() : Optional.ofNullable(asking.get());
            RequestSource source = asker.map(Asker::source).orElse(RequestSource.SERVER);
            // The reason a person gave, where the controller's words do not carry it already (resume, promote).
            String details = event.details()
                    + asker.flatMap(Asker::reason)
                            .filter(r -> !event.details().contains(r))
                            .map(r -> "; reason: " + r)
                            .orElse("");
            store.auditLog().record(event.actor(), event.action(), event.target(), source, details);
        } catch (RuntimeException e) {
            LOG.warn("the audit entry {} of {} could not be written: {}", event.action(), event.target(), e.toString());
        }
    }

    private AppRecord app(String name) {
        return store.apps()
                .find(name)
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        "app " + name,
                        "app " + name + " is no longer registered",
                        "register it again, then retry the rollout")));
    }

    /** The environment's routes on the fed routers: per routable service, its stable and canary backends. */
    private List<RouterTrafficStats.TrackRoutes> routes(RolloutKey key) {
        App app = sources.load(app(key.app()));
        return FeedRouting.routable(app.spec()).stream()
                .map(s -> new RouterTrafficStats.TrackRoutes(s.name(), s.name(), s.name() + "-" + FeedRouting.CANARY))
                .toList();
    }

    /** What the controller reads of each router: its per-track numbers and its config (cluster health). */
    private record Routers(Map<String, Supplier<RouterStats>> stats, Map<String, Supplier<JsonNode>> configs) {}

    /** The routers of the server config, by admin URL; each token read once, from its owner-only file. */
    private static Routers routers(List<ServerConfig.RouterAdmin> admins) {
        Map<String, Supplier<RouterStats>> routers = new LinkedHashMap<>();
        Map<String, Supplier<JsonNode>> configs = new LinkedHashMap<>();
        if (admins.isEmpty()) {
            return new Routers(routers, configs);
        }
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(ROUTER_TIMEOUT).build();
        for (ServerConfig.RouterAdmin admin : admins) {
            Optional<String> token = admin.tokenFile().map(ServerRollouts::token);
            routers.put(
                    admin.admin().toString(),
                    RouterTrafficStats.overHttp(client, admin.admin(), token, ROUTER_TIMEOUT));
            configs.put(
                    admin.admin().toString(),
                    RouterClusterHealth.configOverHttp(client, admin.admin(), token, ROUTER_TIMEOUT));
        }
        return new Routers(routers, configs);
    }

    private static String token(java.nio.file.Path file) {
        try {
            OwnerOnlyFiles.requirePrivate(file, "router admin token");
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (token.isEmpty()) {
                throw new InvalidInputException(new Problem(
                        file.toString(), "the router admin token file is empty", "write the router's admin token"));
            }
            return token;
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    file.toString(),
                    "cannot read the router admin token file: " + e.getMessage(),
                    "check the tokenFile of the routers in the server config file"));
        }
    }
}
