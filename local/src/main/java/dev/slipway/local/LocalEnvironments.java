package dev.slipway.local;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentBackend;
import dev.slipway.core.deploy.EnvironmentRef;
import dev.slipway.core.plan.ClusterPlan;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.App;
import dev.slipway.router.Router;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Environments on this machine as supervised processes: the local {@link EnvironmentBackend}, one implementation
 * behind {@code slipway up} (its app's environment, its next revision in {@code up --next}, and its labs) and
 * behind a server without clusters (its labs). Each environment is one {@link LocalApp}; its first deploy starts
 * it, later ones replace its replicas one at a time, and a revision that does not become ready is undone while
 * the running one keeps serving.
 *
 * <p>The same rules hold wherever an environment runs (docs/local.md): a replica that crashes
 * {@link LocalApp#CRASHES_BEFORE_GIVING_UP} times before it is ready fails the deploy at once, with its last
 * output, instead of waiting out the timeout; a lab's routes list only ready replicas ({@link LocalRouting}); a
 * lab whose first deploy does not become ready is stopped, so nothing of it keeps running, while an app's own
 * environment keeps running and restarting, so its developer sees its output and fixes it; revision numbers of
 * one environment never repeat, also across its tracks ({@link Settings#revisionsTaken}).
 */
public final class LocalEnvironments implements EnvironmentBackend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalEnvironments.class);
    private static final String LISTEN = "127.0.0.1";

    /**
     * What every environment's processes get.
     *
     * @param supervision probe and restart settings
     * @param baseEnvironment variables every process inherits (PATH, HOME, ..., no {@code SLIPWAY_*})
     * @param secrets where an environment's secret values come from
     * @param sinks where an environment's output goes; closed when it stops
     * @param clock for start timeouts and uptimes (real time: processes run in it)
     * @param clusters how many local clusters (replica sets) an app's own environment runs; a lab runs one
     * @param revisionsTaken the highest revision another track of an environment runs ({@code up --next} beside
     *     {@code up}), 0 when none: its next revision is above it
     * @param privateDirectories where an environment's processes get their own {@code HOME} and {@code TMPDIR}
     *     ({@link ChildEnvironment#withPrivateDirectories}); empty keeps those of {@code baseEnvironment}
     * @param user the user processes run as, owning their private directories; empty: this process's user
     */
    public record Settings(
            Supervision supervision,
            Map<String, String> baseEnvironment,
            Function<EnvironmentRef, SecretSource> secrets,
            Function<EnvironmentRef, LogSink> sinks,
            Clock clock,
            int clusters,
            ToIntFunction<EnvironmentRef> revisionsTaken,
            Function<EnvironmentRef, Optional<Path>> privateDirectories,
            Optional<LabUser> user) {
        public Settings {
            baseEnvironment = Map.copyOf(baseEnvironment);
            if (clusters < 1) {
                throw new IllegalArgumentException("clusters must be at least 1");
            }
            Objects.requireNonNull(user, "user");
        }

        /** Processes run as this process's user. */
        public Settings(
                Supervision supervision,
                Map<String, String> baseEnvironment,
                Function<EnvironmentRef, SecretSource> secrets,
                Function<EnvironmentRef, LogSink> sinks,
                Clock clock,
                int clusters,
                ToIntFunction<EnvironmentRef> revisionsTaken,
                Function<EnvironmentRef, Optional<Path>> privateDirectories) {
            this(
                    supervision,
                    baseEnvironment,
                    secrets,
                    sinks,
                    clock,
                    clusters,
                    revisionsTaken,
                    privateDirectories,
                    Optional.empty());
        }

        /** Processes keep the {@code HOME} and {@code TMPDIR} of {@code baseEnvironment}. */
        public Settings(
                Supervision supervision,
                Map<String, String> baseEnvironment,
                Function<EnvironmentRef, SecretSource> secrets,
                Function<EnvironmentRef, LogSink> sinks,
                Clock clock,
                int clusters,
                ToIntFunction<EnvironmentRef> revisionsTaken) {
            this(
                    supervision,
                    baseEnvironment,
                    secrets,
                    sinks,
                    clock,
                    clusters,
                    revisionsTaken,
                    env -> Optional.empty());
        }

        /** For labs only: one local cluster, no other track. */
        public Settings(
                Supervision supervision,
                Map<String, String> baseEnvironment,
                Function<EnvironmentRef, SecretSource> secrets,
                Function<EnvironmentRef, LogSink> sinks,
                Clock clock) {
            this(supervision, baseEnvironment, secrets, sinks, clock, 1, env -> 0);
        }

        Settings withBaseVariable(String name, String value) {
            Map<String, String> env = new HashMap<>(baseEnvironment);
            env.put(name, value);
            return new Settings(
                    supervision, env, secrets, sinks, clock, clusters, revisionsTaken, privateDirectories, user);
        }
    }

    /**
     * An environment that runs.
     *
     * @param directories the directories its processes run from (two while a redeploy replaces one with another)
     */
    public record Running(EnvironmentRef environment, LocalApp local, Set<Path> directories) {}

    private record Run(Running running, LogSink sink) {}

    private final Settings settings;
    private final Consumer<EnvironmentRef> changed;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    /** True behind a server without clusters: its declared environments run on clusters, never here. */
    private final boolean labsOnly;

    private final int port;
    /** The labs' own router, until closed; null when the owner routes them. */
    private Router router;

    private volatile boolean closed;

    private LocalEnvironments(
            Settings settings, Consumer<EnvironmentRef> changed, Router router, int port, boolean labsOnly) {
        this.settings = settings;
        this.labsOnly = labsOnly;
        this.changed = changed == null ? env -> refresh() : changed;
        this.router = router;
        this.port = port;
    }

    /**
     * Environments whose owner routes them (the running {@code slipway up}: its app and its labs; {@code up --next}:
     * the next revision): {@code changed} hears every change of an environment's replicas, and {@link #running()}
     * lists what to route.
     */
    public static LocalEnvironments routedBy(Settings settings, Consumer<EnvironmentRef> changed) {
        return new LocalEnvironments(settings, changed, null, 0, false);
    }

    /**
     * Review labs only, behind a router of their own on {@code 127.0.0.1:port} (0 picks a free port), as a server
     * without clusters runs them; the router gets its config as values ({@link LocalRouting}), no file. Lab
     * processes reach the router through {@code SLIPWAY_ROUTER_URL}.
     *
     * @throws InvalidInputException when the port is taken
     */
    public static LocalEnvironments withRouter(Settings settings, int port) {
        Router router;
        try {
            router = Router.start(LocalRouting.config(LISTEN, port, List.of()));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(new Problem(
                    "--router-port",
                    "the labs' router cannot listen on " + LISTEN + ":" + port + ": "
                            + e.problems().get(0).what(),
                    "stop what uses the port or start the server with another --router-port"));
        }
        int listening = router.address().getPort();
        return new LocalEnvironments(
                settings.withBaseVariable("SLIPWAY_ROUTER_URL", "http://" + LISTEN + ":" + listening),
                null,
                router,
                listening,
                true);
    }

    /** The port of the labs' own router ({@link #withRouter}); 0 when their owner routes them. */
    public int port() {
        return port;
    }

    /** Where a lab answers behind the labs' own router ({@link #withRouter}). */
    public String url(String app, String slug) {
        return "http://" + LocalRouting.labHost(app, slug) + ":" + port + "/";
    }

    /**
     * Makes the environment run {@code app}: starts it the first time, afterwards replaces its replicas one at a
     * time. Reported as one cluster, {@link #LOCAL_CLUSTER}; {@code listener} hears each replica step as progress.
     *
     * @throws InvalidInputException when {@code environment} cannot run here (a declared environment behind a
     *     server without clusters), no service has a run command, or a secret is missing; nothing was started
     */
    @Override
    public DeployReport deploy(EnvironmentRef environment, App app, DeployOptions options, DeployListener listener) {
        checkRunsHere(environment);
        listener.deploying(List.of(LOCAL_CLUSTER));
        // Before anything starts, as the first deploy's start would find it.
        LocalApp.check(app, settings.secrets().apply(environment));
        Run current = runs.get(key(environment));
        ClusterPlan plan = new ClusterPlan(
                LOCAL_CLUSTER,
                environment.namespace(),
                current != null,
                current == null
                        ? OptionalInt.empty()
                        : OptionalInt.of(current.running().local().rev()),
                List.of());
        listener.clusterStarted(plan);
        ClusterResult result = current == null
                ? start(environment, app, plan, options.timeout(), listener)
                : redeploy(environment, current, app, plan, options.timeout(), listener);
        listener.clusterFinished(result);
        return new DeployReport(environment.app(), environment.environment(), List.of(result), List.of());
    }

    /** The revision the environment's next deploy runs: above the one it runs and any its other tracks run. */
    public int nextRevision(EnvironmentRef environment) {
        int running = Optional.ofNullable(runs.get(key(environment)))
                .map(r -> r.running().local().rev())
                .orElse(0);
        return Math.max(running, settings.revisionsTaken().applyAsInt(environment)) + 1;
    }

    private ClusterResult start(
            EnvironmentRef environment, App app, ClusterPlan plan, Duration timeout, DeployListener listener) {
        LogSink sink = settings.sinks().apply(environment);
        LocalApp.Options options = new LocalApp.Options(
                environment.environment(),
                environment.lab().isPresent() ? 1 : settings.clusters(),
                environment.lab(),
                settings.secrets().apply(environment),
                settings.privateDirectories()
                        .apply(environment)
                        .map(dir -> ChildEnvironment.withPrivateDirectories(
                                settings.baseEnvironment(), dir, settings.user()))
                        .orElse(settings.baseEnvironment()),
                settings.supervision(),
                sink,
                settings.clock(),
                settings.user());
        int rev = nextRevision(environment);
        LocalApp local;
        try {
            local = LocalApp.start(app, rev, options, l -> changed.accept(environment));
            if (labsOnly) {
                // A server's labs: it stops them in its own shutdown, after recording their deploys.
                local.leaveStopOnExitToOwner();
            }
        } catch (RuntimeException e) {
            sink.close();
            throw e;
        }
        runs.put(key(environment), new Run(new Running(environment, local, Set.of(app.directory())), sink));
        if (closed) {
            // Stopped while this environment started: nothing may outlive its owner.
            stop(environment, "its owner is stopping");
            throw new IllegalStateException("the local environments are stopping");
        }
        changed.accept(environment);
        listener.progress(LOCAL_CLUSTER, "rev " + rev + " starting");
        Optional<List<String>> notReady = awaitReady(local, timeout);
        // Routed before the deploy reports: an environment said to be ready answers at once.
        changed.accept(environment);
        if (notReady.isPresent() && environment.lab().isEmpty()) {
            // The app's own environment keeps running and restarting: its developer reads its output and fixes it.
            return ClusterResult.failed(
                    new ClusterFailure(
                            LOCAL_CLUSTER,
                            ClusterFailure.Reason.UNHEALTHY,
                            Optional.empty(),
                            "rev " + rev + " did not become ready; it keeps running and restarting:\n  "
                                    + String.join("\n  ", notReady.get()),
                            "fix it and deploy again"),
                    Optional.of(plan),
                    OptionalInt.of(rev));
        }
        if (notReady.isPresent()) {
            stop(environment, "its first deploy did not become ready");
            return ClusterResult.failed(
                    new ClusterFailure(
                            LOCAL_CLUSTER,
                            ClusterFailure.Reason.UNHEALTHY,
                            Optional.empty(),
                            "did not become ready, so it was stopped:\n  " + String.join("\n  ", notReady.get()),
                            "fix it and deploy the lab again"),
                    Optional.of(plan),
                    OptionalInt.empty());
        }
        return ClusterResult.deployed(plan, rev);
    }

    /**
     * Waits for a new environment's replicas as a redeploy waits for new ones: until {@code timeout}, or until one of them
     * crashed {@link LocalApp#CRASHES_BEFORE_GIVING_UP} times, or until this backend is closed; empty when all are
     * ready, else what is wrong with the others (a crashed replica's problem carries its last output).
     */
    private Optional<List<String>> awaitReady(LocalApp local, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                local.awaitReady(Duration.ofMillis(500));
                return Optional.empty();
            } catch (LocalRunException e) {
                boolean crashLooping = local.status().stream()
                        .anyMatch(s -> !s.ready() && s.restarts() >= LocalApp.CRASHES_BEFORE_GIVING_UP);
                if (crashLooping
                        || closed
                        || Thread.currentThread().isInterrupted()
                        || System.nanoTime() - deadline > 0) {
                    return Optional.of(e.replicas());
                }
            }
        }
    }

    private ClusterResult redeploy(
            EnvironmentRef environment,
            Run current,
            App app,
            ClusterPlan plan,
            Duration timeout,
            DeployListener listener) {
        LocalApp local = current.running().local();
        int from = local.rev();
        int rev = nextRevision(environment);
        // Until the last old replica is gone, both directories are in use.
        Set<Path> both = new HashSet<>(current.running().directories());
        both.add(app.directory());
        replace(environment, Set.copyOf(both));
        try {
            local.redeploy(app, rev, timeout, line -> listener.progress(LOCAL_CLUSTER, line));
        } catch (LocalRunException e) {
            replace(environment, current.running().directories());
            return ClusterResult.failed(
                    new ClusterFailure(
                            LOCAL_CLUSTER,
                            ClusterFailure.Reason.UNHEALTHY,
                            Optional.empty(),
                            "rev " + rev + " did not become ready, so rev " + from + " keeps serving:\n  "
                                    + String.join("\n  ", e.replicas()),
                            "fix it and deploy again"),
                    Optional.of(plan),
                    OptionalInt.of(from));
        }
        replace(environment, Set.of(app.directory()));
        changed.accept(environment);
        return ClusterResult.deployed(plan, rev);
    }

    private void replace(EnvironmentRef environment, Set<Path> directories) {
        runs.computeIfPresent(
                key(environment),
                (k, l) -> new Run(new Running(environment, l.running().local(), directories), l.sink()));
    }

    /** Stops the environment's processes; what is removed, for the audit log. Nothing happens when none run. */
    @Override
    public String tearDown(EnvironmentRef environment) {
        boolean ran = stop(environment, "torn down");
        return ran
                ? "local processes of namespace " + environment.namespace() + " stopped"
                : "no local processes of namespace " + environment.namespace() + " were running";
    }

    /**
     * Takes the environment's routes away, then stops its processes (SIGTERM, grace, SIGKILL), telling its log why;
     * false when it did not run.
     */
    public boolean stop(EnvironmentRef environment, String why) {
        Run gone = runs.remove(key(environment));
        if (gone == null) {
            return false;
        }
        changed.accept(environment);
        List<ReplicaStatus> status = gone.running().local().status();
        if (!status.isEmpty()) {
            gone.sink().event(status.get(0).id(), describe(environment) + " stopping: " + why);
        }
        try {
            gone.running().local().close();
        } finally {
            gone.sink().close();
        }
        return true;
    }

    /** The environment, while it runs. */
    public Optional<Running> running(EnvironmentRef environment) {
        return Optional.ofNullable(runs.get(key(environment))).map(Run::running);
    }

    /** Every environment that runs, by app, environment and lab (an app's own environment before its labs). */
    public List<Running> running() {
        return runs.values().stream()
                .map(Run::running)
                .sorted(Comparator.comparing((Running r) -> key(r.environment())))
                .toList();
    }

    /** The labs that run, by app and slug. */
    public List<Running> labs() {
        return running().stream().filter(r -> r.environment().lab().isPresent()).toList();
    }

    /** The directories running environments use, e.g. so a checkout cache keeps them. */
    public Set<Path> directoriesInUse() {
        return runs.values().stream()
                .flatMap(l -> l.running().directories().stream())
                .collect(Collectors.toSet());
    }

    /** Applies the labs' own router config, built from every lab's ready replicas. */
    private synchronized void refresh() {
        if (router == null) {
            return;
        }
        try {
            List<LocalRouting.HostedRun> hosted = labs().stream()
                    .map(r -> new LocalRouting.HostedRun(
                            r.environment().namespace(),
                            LocalRouting.labHost(
                                    r.environment().app(), r.environment().lab().orElseThrow()),
                            r.local()))
                    .toList();
            Router.ReloadOutcome outcome = router.apply(LocalRouting.config(LISTEN, port, hosted));
            if (!outcome.applied()) {
                LOG.warn(
                        "the labs' router kept its previous config: {}",
                        outcome.problems().stream().map(Problem::describe).collect(Collectors.joining("; ")));
            }
        } catch (RuntimeException e) {
            // Called from replicas' change notifications, where an exception would vanish.
            LOG.warn("could not update the labs' router config", e);
        }
    }

    /** Stops every environment (all at once, each with its grace period) and the labs' own router, if any. */
    @Override
    public void close() {
        closed = true;
        Router stopping;
        synchronized (this) {
            stopping = router;
            router = null;
        }
        if (stopping != null) {
            stopping.close();
        }
        List<Run> all = List.copyOf(runs.values());
        runs.clear();
        all.forEach(l -> l.running().local().stop());
        for (Run l : all) {
            try {
                l.running().local().close();
            } finally {
                l.sink().close();
            }
        }
    }

    /** One key per environment and lab; an app's own environment sorts before its labs. */
    private static String key(EnvironmentRef environment) {
        return environment.app() + "/" + environment.environment() + "/"
                + environment.lab().map(slug -> "lab " + slug).orElse("");
    }

    private static String describe(EnvironmentRef environment) {
        return environment
                .lab()
                .map(slug -> "lab " + slug)
                .orElse(environment.app() + " (" + environment.environment() + ")");
    }

    private void checkRunsHere(EnvironmentRef environment) {
        if (labsOnly && environment.lab().isEmpty()) {
            throw new InvalidInputException(new Problem(
                    "environment " + environment.environment(),
                    "runs on clusters, and the local backend runs review labs only",
                    "start the server with --clusters FILE to deploy environments to clusters"));
        }
    }
}
