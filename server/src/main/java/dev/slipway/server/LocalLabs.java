package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.App;
import dev.slipway.local.LocalApp;
import dev.slipway.local.LocalRouting;
import dev.slipway.local.LogSink;
import dev.slipway.local.RotatingFileLog;
import dev.slipway.local.Supervision;
import dev.slipway.router.Router;
import dev.slipway.store.LabRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Review labs of a server that has no clusters: each lab's commit runs as local processes ({@link LocalApp}),
 * supervised by the server, behind one router the server starts on a loopback port, where each lab answers at
 * {@code http://<lab>.<app>.localhost:<port>/}. A redeploy of a lab replaces its replicas one at a time.
 */
final class LocalLabs implements AutoCloseable {

    /** The name deploy records give the local backend where they name clusters. */
    static final String CLUSTER = "local";

    private static final Logger LOG = LoggerFactory.getLogger(LocalLabs.class);
    private static final String LISTEN = "127.0.0.1";

    private final Path logs;
    private final SecretSource secrets;
    private final Supervision supervision;
    private final Map<String, String> baseEnvironment;
    private final Clock clock;
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private Router router;
    private int port;
    private volatile boolean closed;

    /** One lab's processes, the commits they run from and where their output goes. */
    private record Running(LabRecord lab, LocalApp local, Set<String> commits, LogSink sink) {}

    private LocalLabs(
            Path stateDir, SecretSource secrets, Supervision supervision, Map<String, String> env, Clock clock) {
        this.logs = stateDir.resolve("labs").resolve("logs");
        this.secrets = secrets;
        this.supervision = supervision;
        Map<String, String> base = new HashMap<>(env);
        base.keySet().removeIf(k -> k.startsWith("SLIPWAY_"));
        base.put("PYTHONUNBUFFERED", "1");
        this.baseEnvironment = Map.copyOf(base);
        this.clock = clock;
    }

    /**
     * Starts the labs' router on {@code 127.0.0.1:port} (0 picks a free port).
     *
     * @param env the environment every lab process inherits, less {@code SLIPWAY_*} variables
     * @throws InvalidInputException when the port is taken
     */
    static LocalLabs start(
            Path stateDir,
            int port,
            SecretSource secrets,
            Supervision supervision,
            Map<String, String> env,
            Clock clock) {
        LocalLabs labs = new LocalLabs(stateDir, secrets, supervision, env, clock);
        try {
            labs.router = Router.start(LocalRouting.config(LISTEN, port, List.of()));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(new Problem(
                    "--router-port",
                    "the labs' router cannot listen on " + LISTEN + ":" + port + ": "
                            + e.problems().get(0).what(),
                    "stop what uses the port or start the server with another --router-port"));
        }
        labs.port = labs.router.address().getPort();
        return labs;
    }

    /** The port labs are served on. */
    int port() {
        return port;
    }

    /** Where a lab answers. */
    String url(LabRecord lab) {
        return "http://" + host(lab) + ":" + port + "/";
    }

    private static String host(LabRecord lab) {
        return lab.slug() + "." + lab.app() + ".localhost";
    }

    /**
     * Runs {@code app} (the lab's commit) for {@code lab}: starts its processes the first time, afterwards replaces
     * them one replica at a time. Returns the revision now serving.
     *
     * @throws dev.slipway.local.LocalRunException naming the replicas that did not become ready within
     *     {@code timeout}; the lab's other processes keep running, so a fixed commit can be deployed over them
     */
    int deploy(LabRecord lab, App app, Optional<String> commit, Duration timeout) {
        Running current = running.get(lab.id());
        if (current != null) {
            int next = current.local().rev() + 1;
            // Until the last old replica is gone, both commits' directories are in use.
            Set<String> both = new HashSet<>(current.commits());
            commit.ifPresent(both::add);
            running.computeIfPresent(lab.id(), (id, r) -> new Running(lab, r.local(), Set.copyOf(both), r.sink()));
            current.local().redeploy(app, next, timeout);
            running.computeIfPresent(
                    lab.id(),
                    (id, r) -> new Running(lab, r.local(), commit.map(Set::of).orElse(Set.of()), r.sink()));
            return next;
        }
        LogSink sink = RotatingFileLog.open(logs, lab.namespace(), 10L * 1024 * 1024, 5, clock);
        Map<String, String> env = new HashMap<>(baseEnvironment);
        env.put("SLIPWAY_ROUTER_URL", "http://" + LISTEN + ":" + port);
        LocalApp.Options options = new LocalApp.Options(
                AppSources.labEnvironment(lab), 1, Optional.of(lab.slug()), secrets, env, supervision, sink, clock);
        LocalApp local;
        try {
            local = LocalApp.start(app, 1, options, changed -> refresh());
        } catch (RuntimeException e) {
            sink.close();
            throw e;
        }
        running.put(lab.id(), new Running(lab, local, commit.map(Set::of).orElse(Set.of()), sink));
        if (closed) {
            // The server stopped while this lab started: nothing may outlive it.
            stop(lab);
            throw new IllegalStateException("the server is stopping");
        }
        refresh();
        try {
            local.awaitReady(timeout);
        } finally {
            refresh();
        }
        return 1;
    }

    /** Stops a lab's processes (SIGTERM, grace, SIGKILL) after taking its routes away; nothing if none run. */
    void stop(LabRecord lab) {
        Running gone = running.remove(lab.id());
        if (gone == null) {
            return;
        }
        refresh();
        try {
            gone.local().close();
        } finally {
            gone.sink().close();
        }
    }

    /** The commits whose exported directories running labs use. */
    Set<String> commitsInUse() {
        return running.values().stream().flatMap(r -> r.commits().stream()).collect(Collectors.toSet());
    }

    /** Rewrites the router's config from every lab's replicas and reloads it. */
    private synchronized void refresh() {
        if (router == null) {
            return;
        }
        try {
            applyRouting();
        } catch (RuntimeException e) {
            // Called from replicas' change notifications, where an exception would vanish.
            LOG.warn("could not update the labs' router config", e);
        }
    }

    private void applyRouting() {
        List<LocalRouting.HostedRun> runs = running.values().stream()
                .sorted(Comparator.comparingLong(r -> r.lab().id()))
                .map(r -> new LocalRouting.HostedRun(r.lab().namespace(), host(r.lab()), r.local()))
                .toList();
        Router.ReloadOutcome outcome = router.apply(LocalRouting.config(LISTEN, port, runs));
        if (!outcome.applied()) {
            LOG.warn(
                    "the labs' router kept its previous config: {}",
                    outcome.problems().stream().map(Problem::describe).collect(Collectors.joining("; ")));
        }
    }

    /** Stops the router and every lab's processes. */
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
        for (Long id : List.copyOf(running.keySet())) {
            Running gone = running.remove(id);
            if (gone != null) {
                try {
                    gone.local().close();
                } finally {
                    gone.sink().close();
                }
            }
        }
    }
}
