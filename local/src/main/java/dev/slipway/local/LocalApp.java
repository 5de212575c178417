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
import java.util.Objects;
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
    /** How often a new replica may crash before it is ready until a redeploy gives up on it. */
    public static final int CRASHES_BEFORE_GIVING_UP = 3;

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
     * @param user the user the processes run as; empty: this process's user
     */
    public record Options(
            String env,
            int clusters,
            Optional<String> lab,
            SecretSource secrets,
            Map<String, String> baseEnvironment,
            Supervision supervision,
            LogSink sink,
            Clock clock,
            Optional<LabUser> user) {
        public Options {
            if (clusters < 1) {
                throw new IllegalArgumentException("clusters must be at least 1");
            }
            baseEnvironment = Map.copyOf(baseEnvironment);
            Objects.requireNonNull(user, "user");
        }

        /** Processes run as this process's user. */
        public Options(
                String env,
                int clusters,
                Optional<String> lab,
                SecretSource secrets,
                Map<String, String> baseEnvironment,
                Supervision supervision,
                LogSink sink,
                Clock clock) {
            this(env, clusters, lab, secrets, baseEnvironment, supervision, sink, clock, Optional.empty());
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

    /**
     * Refuses an app that cannot run locally before anything of it starts: no service has a run command, or a
     * secret a service names is missing from {@code secrets}.
     *
     * @throws InvalidInputException saying which, and what to do
     */
    public static void check(App app, SecretSource secrets) {
        List<ServiceSpec> services = runnable(app);
        if (services.isEmpty()) {
            throw noRunCommand(app);
        }
        for (ServiceSpec service : services) {
            if (!service.secrets().isEmpty()) {
                secrets.values(app.spec().app(), service.secrets());
            }
        }
    }

    private static InvalidInputException noRunCommand(App app) {
        return new InvalidInputException(Problem.at(
                app.spec().source(),
                "no service of app '" + app.spec().app() + "' has a run: command, so nothing can run locally",
                "add run: (the command that starts the service, reading its port from $PORT) to a service"));
    }

    private List<Replica> replicasOf(App app, int rev) {
        List<ServiceSpec> services = runnable(app);
        if (services.isEmpty()) {
            throw noRunCommand(app);
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
            options.lab().ifPresent(lab -> env.put("SLIPWAY_LAB", lab));
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
                            options.user(),
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

    /** The replicas that are not ready now and why, one line each. */
    public List<String> notReady() {
        return notReady(replicas);
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

    /** As {@link #redeploy(App, int, Duration, Consumer)} without progress lines. */
    public void redeploy(App next, int nextRev, Duration timeout) {
        redeploy(next, nextRev, timeout, line -> {});
    }

    /**
     * Replaces every replica with one running {@code next} (revision {@code nextRev}), one at a time: the new
     * replica must be ready before the old one is taken out of the endpoint list and stopped. When a new
     * replica does not become ready within {@code timeout}, the redeploy is undone the same way (the replicas
     * already replaced are replaced back by the running revision, which then serves alone again) and the
     * exception says which replica failed and why; a new replica that crashes three times before it is ready
     * fails at once. {@code progress} gets one line per step.
     */
    public synchronized void redeploy(App next, int nextRev, Duration timeout, Consumer<String> progress) {
        App previous = app;
        int previousRev = rev;
        for (Replica fresh : replicasOf(next, nextRev)) {
            Optional<String> failed = rollIn(fresh, timeout, progress);
            if (failed.isPresent()) {
                progress.accept("rev " + nextRev + " failed; going back to rev " + previousRev);
                rollBack(previous, previousRev, nextRev, timeout, progress);
                throw new LocalRunException(List.of(failed.get()));
            }
        }
        // Services or replicas the new spec no longer has.
        List<Replica> leftovers =
                replicas.stream().filter(r -> r.id().rev() != nextRev).toList();
        List<Replica> current = new ArrayList<>(replicas);
        current.removeAll(leftovers);
        this.app = next;
        this.rev = nextRev;
        replicas = List.copyOf(current);
        changed();
        leftovers.forEach(r -> {
            progress.accept(r.id().shortName() + ": rev " + r.id().rev() + " stopping (not in rev " + nextRev + ")");
            r.stop().join();
        });
    }

    /** Puts the replicas of {@code previous} back where rev {@code failedRev} already replaced them. */
    private void rollBack(App previous, int previousRev, int failedRev, Duration timeout, Consumer<String> progress) {
        List<Replica> back = replicasOf(previous, previousRev);
        for (Replica r : replicas) {
            if (r.id().rev() != failedRev) {
                continue;
            }
            Optional<Replica> old = back.stream().filter(b -> samePlace(b, r)).findFirst();
            if (old.isPresent()) {
                rollIn(old.get(), timeout, progress).ifPresent(why -> progress.accept("cannot go back: " + why));
            } else {
                List<Replica> current = new ArrayList<>(replicas);
                current.remove(r);
                replicas = List.copyOf(current);
                changed();
                r.stop().join();
            }
        }
    }

    /**
     * Starts {@code fresh} beside the replica in its place (if any) and, once it is ready, stops that one; when it
     * is not ready within {@code timeout} it is stopped instead and the reason returned.
     */
    private Optional<String> rollIn(Replica fresh, Duration timeout, Consumer<String> progress) {
        List<Replica> current = new ArrayList<>(replicas);
        Optional<Replica> old =
                current.stream().filter(r -> samePlace(r, fresh)).findFirst();
        current.add(old.map(current::indexOf).map(i -> i + 1).orElse(current.size()), fresh);
        replicas = List.copyOf(current);
        String name = fresh.id().shortName() + ": rev " + fresh.id().rev();
        progress.accept(name + " starting");
        fresh.start();
        try {
            awaitFirstReady(fresh, timeout);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            String why = fresh.status().problem().orElse("not ready within " + timeout.toSeconds() + "s");
            fresh.stop().join();
            current.remove(fresh);
            replicas = List.copyOf(current);
            changed();
            return Optional.of(fresh.id().shortName() + " (rev " + fresh.id().rev() + "): " + why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        }
        progress.accept(name + " ready on port " + fresh.status().port());
        if (old.isPresent()) {
            current.remove(old.get());
            replicas = List.copyOf(current);
            changed();
            old.get().stop().join();
            progress.accept(
                    old.get().id().shortName() + ": rev " + old.get().id().rev() + " stopped");
        }
        return Optional.empty();
    }

    /**
     * Waits until {@code fresh} is ready; gives up after {@code timeout}, or at once when it crashed
     * {@link #CRASHES_BEFORE_GIVING_UP} times before ever being ready (a broken revision need not keep the
     * redeploy waiting for the whole start timeout).
     */
    private static void awaitFirstReady(Replica fresh, Duration timeout)
            throws TimeoutException, java.util.concurrent.ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                fresh.firstReady().get(100, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                if (fresh.status().restarts() >= CRASHES_BEFORE_GIVING_UP || System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
        }
    }

    private static boolean samePlace(Replica a, Replica b) {
        return a != b
                && a.id().service().equals(b.id().service())
                && a.id().cluster().equals(b.id().cluster())
                && a.id().replica() == b.id().replica();
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

    /**
     * Leaves stopping on JVM exit to the owner, which has to record what it was doing first (a server marks its
     * deploys interrupted before it stops labs); without this, the JVM's hooks run at once and in no order. The
     * parent-death watchdog still stops the replicas if the owner dies without doing so.
     */
    public void leaveStopOnExitToOwner() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already exiting: the hook runs anyway, and stop() is idempotent.
            return;
        }
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
