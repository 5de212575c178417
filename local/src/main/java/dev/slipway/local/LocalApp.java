package dev.slipway.local;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.ServiceSpec;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * An app's environment running as local processes: every service that has a {@code run} command, in
 * {@code clusters} separate replica sets ("local clusters"), each replica supervised on its own port. The local
 * counterpart of a rollout to a cluster group, so {@code slipway up} needs no infrastructure.
 */
public final class LocalApp implements AutoCloseable {
    private final Options options;
    private final ScheduledExecutorService timer;
    /** Replicas report changes here, outside their own locks, so a listener reading every status cannot deadlock. */
    private final ExecutorService notifier;

    private final HttpClient http;
    private final Consumer<LocalApp> listener;
    private final Thread shutdownHook;
    private volatile List<Replica> replicas = List.of();
    private volatile App app;
    private volatile int rev;
    private volatile boolean exiting;

    /**
     * Everything a local run needs besides the app.
     *
     * @param env environment name (metadata only: nothing is read from the clusters file)
     * @param clusters how many local clusters (replica sets) to run, at least 1
     * @param lab the lab name when this run is a lab
     * @param secrets where the services' secret values come from
     * @param baseEnvironment variables every child gets before the service's own (e.g. PATH, HOME, LANG)
     * @param supervision probe and restart settings
     * @param sink where output and events go
     * @param clock for start timeouts and uptimes
     */
    public record Options(
            String env,
            int clusters,
            Optional<String> lab,
            SecretSource secrets,
            Map<String, String> baseEnvironment,
            Supervision supervision,
            LogSink sink,
            Clock clock) {
        public Options {
            if (clusters < 1) {
                throw new IllegalArgumentException("clusters must be at least 1");
            }
            baseEnvironment = Map.copyOf(baseEnvironment);
        }
    }

    private LocalApp(App app, int rev, Options options, Consumer<LocalApp> listener) {
        this.app = app;
        this.rev = rev;
        this.options = options;
        this.listener = listener;
        this.timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "slipway-local-" + app.spec().app());
            t.setDaemon(true);
            return t;
        });
        this.notifier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "slipway-local-events-" + app.spec().app());
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder()
                .connectTimeout(options.supervision().probeTimeout())
                .executor(timer)
                .build();
        this.shutdownHook = new Thread(this::stopOnExit, "slipway-local-shutdown");
    }

    /**
     * Starts every runnable service of {@code app}; returns at once (replicas become ready in the background,
     * see {@link #awaitReady}). {@code listener} is called on every replica state change, e.g. to update the
     * router's endpoints; it must be quick.
     *
     * @throws InvalidInputException when no service has a run command or a secret is missing
     */
    public static LocalApp start(App app, int rev, Options options, Consumer<LocalApp> listener) {
        LocalApp local = new LocalApp(app, rev, options, listener);
        List<Replica> created = local.replicasOf(app, rev);
        Runtime.getRuntime().addShutdownHook(local.shutdownHook);
        local.replicas = created;
        created.forEach(Replica::start);
        return local;
    }

    /** The services of {@code app} that can run locally, in file order. */
    public static List<ServiceSpec> runnable(App app) {
        return app.spec().services().stream().filter(s -> s.run().isPresent()).toList();
    }

    private List<Replica> replicasOf(App app, int rev) {
        List<ServiceSpec> services = runnable(app);
        if (services.isEmpty()) {
            throw new InvalidInputException(Problem.at(
                    app.spec().source(),
                    "no service of app '" + app.spec().app() + "' has a run: command, so nothing can run locally",
                    "add run: (the command that starts the service, reading its port from $PORT) to a service"));
        }
        List<Replica> list = new ArrayList<>();
        for (ServiceSpec service : services) {
            Map<String, String> secrets = service.secrets().isEmpty()
                    ? Map.of()
                    : options.secrets().values(app.spec().app(), service.secrets());
            Map<String, String> env = new LinkedHashMap<>(options.baseEnvironment());
            env.put("SLIPWAY_APP", app.spec().app());
            env.put("SLIPWAY_ENV", options.env());
            env.put("SLIPWAY_SERVICE", service.name());
            env.putAll(service.env());
            env.putAll(secrets);
            SecretMask mask = new SecretMask(secrets.values());
            for (int c = 1; c <= options.clusters(); c++) {
                for (int r = 0; r < service.replicas(); r++) {
                    ReplicaId id = new ReplicaId(
                            app.spec().app(), options.env(), service.name(), "local-" + c, r, options.lab(), rev);
                    Map<String, String> childEnv = new LinkedHashMap<>(env);
                    childEnv.put("SLIPWAY_CLUSTER", id.cluster());
                    childEnv.put("SLIPWAY_REPLICA", Integer.toString(r));
                    childEnv.put("SLIPWAY_REV", Integer.toString(rev));
                    list.add(new Replica(
                            id,
                            service.run().orElseThrow(),
                            service.healthPath(),
                            app.directory(),
                            childEnv,
                            mask,
                            options.supervision(),
                            options.sink(),
                            timer,
                            http,
                            options.clock(),
                            this::changedLater));
                }
            }
        }
        return List.copyOf(list);
    }

    private void changed() {
        listener.accept(this);
    }

    private void changedLater() {
        try {
            notifier.execute(this::changed);
        } catch (RejectedExecutionException e) {
            // Stopped: the final change was already reported by stop().
            return;
        }
    }

    public App app() {
        return app;
    }

    public int rev() {
        return rev;
    }

    public Options options() {
        return options;
    }

    /** Every replica's state, in service, cluster, replica order. */
    public List<ReplicaStatus> status() {
        return replicas.stream().map(Replica::status).toList();
    }

    /**
     * Waits until every replica answered its health path once.
     *
     * @throws LocalRunException naming the replicas that are not ready and why
     */
    public void awaitReady(Duration timeout) {
        List<Replica> current = replicas;
        CompletableFuture<?>[] all = current.stream().map(Replica::firstReady).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(all).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            throw new LocalRunException(notReady(current));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalRunException(notReady(current));
        }
    }

    private static List<String> notReady(List<Replica> replicas) {
        return replicas.stream()
                .map(Replica::status)
                .filter(s -> !s.ready())
                .map(s -> s.id().shortName() + ": "
                        + s.problem()
                                .orElse("not ready yet (" + s.phase().name().toLowerCase() + ")"))
                .toList();
    }

    /**
     * Replaces every replica with one running {@code next} (revision {@code nextRev}), one at a time: the new
     * replica must be ready before the old one is taken out of the endpoint list and stopped. When a new
     * replica does not become ready within {@code timeout}, the redeploy stops there: the new replicas started
     * so far keep serving beside the remaining old ones, and the exception says which replica failed and why.
     */
    public synchronized void redeploy(App next, int nextRev, Duration timeout) {
        List<Replica> incoming = replicasOf(next, nextRev);
        List<Replica> current = new ArrayList<>(replicas);
        for (Replica fresh : incoming) {
            Optional<Replica> old = current.stream()
                    .filter(r -> r.id().service().equals(fresh.id().service())
                            && r.id().cluster().equals(fresh.id().cluster())
                            && r.id().replica() == fresh.id().replica())
                    .findFirst();
            List<Replica> withFresh = new ArrayList<>(current);
            withFresh.add(old.map(withFresh::indexOf).map(i -> i + 1).orElse(withFresh.size()), fresh);
            current = withFresh;
            replicas = List.copyOf(current);
            fresh.start();
            try {
                fresh.firstReady().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                String why = fresh.status().problem().orElse("not ready within " + timeout.toSeconds() + "s");
                fresh.stop().join();
                current.remove(fresh);
                replicas = List.copyOf(current);
                changed();
                throw new LocalRunException(List.of(fresh.id().shortName() + " (rev " + nextRev + "): " + why));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
            if (old.isPresent()) {
                current.remove(old.get());
                replicas = List.copyOf(current);
                changed();
                old.get().stop().join();
            }
        }
        // Services or replicas the new spec no longer has.
        List<Replica> leftovers =
                current.stream().filter(r -> r.id().rev() != nextRev).toList();
        current.removeAll(leftovers);
        replicas = List.copyOf(current);
        changed();
        leftovers.forEach(r -> r.stop().join());
        this.app = next;
        this.rev = nextRev;
    }

    /** Stops every replica (SIGTERM, grace, SIGKILL) and completes when all are gone. */
    public CompletableFuture<Void> stop() {
        List<Replica> current = replicas;
        return CompletableFuture.allOf(current.stream().map(Replica::stop).toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> {
                    timer.shutdown();
                    notifier.shutdown();
                    changed();
                });
    }

    private void stopOnExit() {
        exiting = true;
        stop().join();
    }

    /** Stops every replica and waits; also unregisters the JVM shutdown hook that would otherwise do it. */
    @Override
    public void close() {
        stop().join();
        if (!exiting) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // The JVM is exiting (e.g. the CLI's own hook called us): our hook runs too; stop() is idempotent.
                exiting = true;
            }
        }
    }
}
