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
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Review labs on this machine: the one implementation behind {@code slipway lab up} beside {@code slipway up} and
 * behind a server without clusters. Each lab is one {@link LocalApp} (one replica set) answering
 * {@link LocalRouting#labHost}; its first deploy starts it, later ones replace its replicas one at a time.
 *
 * <p>The same rules hold wherever a lab runs (docs/local.md): a first deploy that does not become ready is stopped,
 * so nothing of it keeps running and the report says so; a replica that crashes
 * {@link LocalApp#CRASHES_BEFORE_GIVING_UP} times before it is ready fails the deploy at once, with its last
 * output, instead of waiting out the timeout; routes list only ready replicas ({@link LocalRouting}).
 */
public final class LocalLabs implements EnvironmentBackend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalLabs.class);
    private static final String LISTEN = "127.0.0.1";

    /**
     * What every lab's processes get.
     *
     * @param supervision probe and restart settings
     * @param baseEnvironment variables every lab process inherits (PATH, HOME, ..., no {@code SLIPWAY_*})
     * @param secrets where a lab's secret values come from
     * @param sinks where a lab's output goes; closed when the lab stops
     * @param clock for start timeouts and uptimes (real time: processes run in it)
     */
    public record Settings(
            Supervision supervision,
            Map<String, String> baseEnvironment,
            Function<EnvironmentRef, SecretSource> secrets,
            Function<EnvironmentRef, LogSink> sinks,
            Clock clock) {
        public Settings {
            baseEnvironment = Map.copyOf(baseEnvironment);
        }

        Settings withBaseVariable(String name, String value) {
            Map<String, String> env = new HashMap<>(baseEnvironment);
            env.put(name, value);
            return new Settings(supervision, env, secrets, sinks, clock);
        }
    }

    /**
     * A lab that runs.
     *
     * @param directories the directories its processes run from (two while a redeploy replaces one with another)
     */
    public record Running(EnvironmentRef environment, LocalApp local, Set<Path> directories) {}

    private record Lab(Running running, LogSink sink) {}

    private final Settings settings;
    private final Consumer<EnvironmentRef> changed;
    private final Map<String, Lab> labs = new ConcurrentHashMap<>();
    private final int port;
    /** The labs' own router, until closed; null when the owner routes them. */
    private Router router;

    private volatile boolean closed;

    private LocalLabs(Settings settings, Consumer<EnvironmentRef> changed, Router router, int port) {
        this.settings = settings;
        this.changed = changed == null ? env -> refresh() : changed;
        this.router = router;
        this.port = port;
    }

    /**
     * Labs whose owner routes them (the running {@code slipway up}, beside its app): {@code changed} hears every
     * change of a lab's replicas, and {@link #running()} lists what to route.
     */
    public static LocalLabs routedBy(Settings settings, Consumer<EnvironmentRef> changed) {
        return new LocalLabs(settings, changed, null, 0);
    }

    /**
     * Labs behind a router of their own on {@code 127.0.0.1:port} (0 picks a free port), as a server without
     * clusters runs them; the router gets its config as values ({@link LocalRouting}), no file. Lab processes
     * reach the router through {@code SLIPWAY_ROUTER_URL}.
     *
     * @throws InvalidInputException when the port is taken
     */
    public static LocalLabs withRouter(Settings settings, int port) {
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
        return new LocalLabs(
                settings.withBaseVariable("SLIPWAY_ROUTER_URL", "http://" + LISTEN + ":" + listening),
                null,
                router,
                listening);
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
     * Makes the lab run {@code app}: starts it the first time, afterwards replaces its replicas one at a time.
     * Reported as one cluster, {@link #LOCAL_CLUSTER}; {@code listener} hears each replica step as progress.
     *
     * @throws InvalidInputException when {@code environment} is no lab, no service has a run command, or a secret
     *     is missing; nothing was started
     */
    @Override
    public DeployReport deploy(EnvironmentRef environment, App app, DeployOptions options, DeployListener listener) {
        String slug = slug(environment);
        listener.deploying(List.of(LOCAL_CLUSTER));
        if (LocalApp.runnable(app).isEmpty()) {
            // As LocalApp.start would say it, before anything starts.
            throw new InvalidInputException(Problem.at(
                    app.spec().source(),
                    "no service of app '" + app.spec().app() + "' has a run: command, so nothing can run locally",
                    "add run: (the command that starts the service, reading its port from $PORT) to a service"));
        }
        Lab current = labs.get(key(environment));
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
                ? start(environment, slug, app, plan, options.timeout(), listener)
                : redeploy(environment, current, app, plan, options.timeout(), listener);
        listener.clusterFinished(result);
        return new DeployReport(environment.app(), environment.environment(), List.of(result), List.of());
    }

    private ClusterResult start(
            EnvironmentRef environment,
            String slug,
            App app,
            ClusterPlan plan,
            Duration timeout,
            DeployListener listener) {
        LogSink sink = settings.sinks().apply(environment);
        LocalApp.Options options = new LocalApp.Options(
                environment.environment(),
                1,
                Optional.of(slug),
                settings.secrets().apply(environment),
                settings.baseEnvironment(),
                settings.supervision(),
                sink,
                settings.clock());
        LocalApp local;
        try {
            local = LocalApp.start(app, 1, options, l -> changed.accept(environment));
        } catch (RuntimeException e) {
            sink.close();
            throw e;
        }
        labs.put(key(environment), new Lab(new Running(environment, local, Set.of(app.directory())), sink));
        if (closed) {
            // Stopped while this lab started: nothing may outlive its owner.
            stop(environment, "its owner is stopping");
            throw new IllegalStateException("the labs are stopping");
        }
        changed.accept(environment);
        listener.progress(LOCAL_CLUSTER, "rev 1 starting");
        Optional<List<String>> notReady = awaitReady(local, timeout);
        // Routed before the deploy reports: a lab said to be ready answers at once.
        changed.accept(environment);
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
        return ClusterResult.deployed(plan, 1);
    }

    /**
     * Waits for a new lab's replicas as a redeploy waits for new ones: until {@code timeout}, or until one of them
     * crashed {@link LocalApp#CRASHES_BEFORE_GIVING_UP} times; empty when all are ready, else what is wrong with
     * the others (a crashed replica's problem carries its last output).
     */
    private static Optional<List<String>> awaitReady(LocalApp lab, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                lab.awaitReady(Duration.ofMillis(500));
                return Optional.empty();
            } catch (LocalRunException e) {
                boolean crashLooping = lab.status().stream()
                        .anyMatch(s -> !s.ready() && s.restarts() >= LocalApp.CRASHES_BEFORE_GIVING_UP);
                if (crashLooping || Thread.currentThread().isInterrupted() || System.nanoTime() - deadline > 0) {
                    return Optional.of(e.replicas());
                }
            }
        }
    }

    private ClusterResult redeploy(
            EnvironmentRef environment,
            Lab current,
            App app,
            ClusterPlan plan,
            Duration timeout,
            DeployListener listener) {
        LocalApp local = current.running().local();
        int from = local.rev();
        int rev = from + 1;
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
                            "fix it and deploy the lab again"),
                    Optional.of(plan),
                    OptionalInt.of(from));
        }
        replace(environment, Set.of(app.directory()));
        changed.accept(environment);
        return ClusterResult.deployed(plan, rev);
    }

    private void replace(EnvironmentRef environment, Set<Path> directories) {
        labs.computeIfPresent(
                key(environment),
                (k, l) -> new Lab(new Running(environment, l.running().local(), directories), l.sink()));
    }

    /** Stops the lab's processes; what is removed, for the audit log. Nothing happens when none run. */
    @Override
    public String tearDown(EnvironmentRef environment) {
        boolean ran = stop(environment, "torn down");
        return ran
                ? "local processes of namespace " + environment.namespace() + " stopped"
                : "no local processes of namespace " + environment.namespace() + " were running";
    }

    /**
     * Takes the lab's routes away, then stops its processes (SIGTERM, grace, SIGKILL), telling its log why;
     * false when it did not run.
     */
    public boolean stop(EnvironmentRef environment, String why) {
        Lab gone = labs.remove(key(environment));
        if (gone == null) {
            return false;
        }
        changed.accept(environment);
        List<ReplicaStatus> status = gone.running().local().status();
        if (!status.isEmpty()) {
            gone.sink().event(status.get(0).id(), "lab " + slug(environment) + " stopping: " + why);
        }
        try {
            gone.running().local().close();
        } finally {
            gone.sink().close();
        }
        return true;
    }

    /** The lab, while it runs. */
    public Optional<Running> running(EnvironmentRef environment) {
        return Optional.ofNullable(labs.get(key(environment))).map(Lab::running);
    }

    /** Every lab that runs, by app and slug. */
    public List<Running> running() {
        return labs.values().stream()
                .map(Lab::running)
                .sorted(Comparator.comparing((Running r) -> r.environment().app())
                        .thenComparing(r -> r.environment().lab().orElseThrow()))
                .toList();
    }

    /** The directories running labs use, e.g. so a checkout cache keeps them. */
    public Set<Path> directoriesInUse() {
        return labs.values().stream()
                .flatMap(l -> l.running().directories().stream())
                .collect(Collectors.toSet());
    }

    /** Applies the labs' own router config, built from every lab's ready replicas. */
    private synchronized void refresh() {
        if (router == null) {
            return;
        }
        try {
            List<LocalRouting.HostedRun> runs = running().stream()
                    .map(r -> new LocalRouting.HostedRun(
                            r.environment().namespace(),
                            LocalRouting.labHost(
                                    r.environment().app(), r.environment().lab().orElseThrow()),
                            r.local()))
                    .toList();
            Router.ReloadOutcome outcome = router.apply(LocalRouting.config(LISTEN, port, runs));
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

    /** Stops every lab (all at once, each with its grace period) and the labs' own router, if any. */
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
        List<Lab> all = List.copyOf(labs.values());
        labs.clear();
        all.forEach(l -> l.running().local().stop());
        for (Lab l : all) {
            try {
                l.running().local().close();
            } finally {
                l.sink().close();
            }
        }
    }

    private static String key(EnvironmentRef environment) {
        return environment.app() + "/" + slug(environment);
    }

    private static String slug(EnvironmentRef environment) {
        return environment
                .lab()
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        "environment " + environment.environment(),
                        "runs on clusters, and the local backend runs review labs only",
                        "start the server with --clusters FILE to deploy environments to clusters")));
    }
}
