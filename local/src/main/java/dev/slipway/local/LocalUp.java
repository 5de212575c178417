package dev.slipway.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.UserFacingException;
import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentRef;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.App;
import dev.slipway.router.Router;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What {@code slipway up} does on this machine, apart from parsing and printing: runs an app's environment behind
 * the router with a {@link LocalSession} deploying it and its labs through the local backend
 * ({@link LocalEnvironments}) and carrying out other commands' requests, asks an app that already runs for a
 * rolling redeploy, and runs its next revision beside it ({@code up --next}).
 */
public final class LocalUp {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalUp() {}

    /**
     * How to run an app.
     *
     * @param environment the environment name (metadata: nothing is read from a clusters file)
     * @param listen the address the router listens on
     * @param port the router's port; 0 picks a free one
     * @param clusters how many local clusters (replica sets)
     * @param grace time between SIGTERM and SIGKILL when a replica stops
     * @param syslog a collector every log line also goes to
     * @param secrets where the services' secret values come from
     * @param labSecrets opens the secret store a lab request names
     * @param processEnvironment the caller's environment; children get only an allow-list of it ({@link #baseEnvironment})
     * @param settings what a redeploy cannot change, by option name (see {@link LocalSession#setting})
     * @param clock for uptimes, lab expiry and the logs' timestamps
     */
    public record Config(
            String environment,
            String listen,
            int port,
            int clusters,
            Duration grace,
            Optional<SyslogLog.Collector> syslog,
            SecretSource secrets,
            LocalSession.SecretsOpener labSecrets,
            Map<String, String> processEnvironment,
            Map<String, String> settings,
            Clock clock) {
        public Config {
            processEnvironment = Map.copyOf(processEnvironment);
            settings = Map.copyOf(settings);
        }

        Supervision supervision() {
            return new Supervision(
                    grace,
                    Supervision.DEFAULT.startTimeout(),
                    Supervision.DEFAULT.probeInterval(),
                    Supervision.DEFAULT.probeTimeout(),
                    Supervision.DEFAULT.failureThreshold(),
                    Supervision.DEFAULT.backoffInitial(),
                    Supervision.DEFAULT.backoffMax());
        }

        /**
         * The variables every child starts from: {@link ChildEnvironment#INHERITED} of the caller, its {@code HOME}
         * (the developer's own tools' caches and settings) and what {@code SLIPWAY_PASS_ENV} names, with
         * unbuffered Python; nothing else of the caller's environment (cloud or database credentials) reaches them.
         */
        Map<String, String> baseEnvironment() {
            Map<String, String> base = new HashMap<>(ChildEnvironment.minimalWithPassEnv(processEnvironment));
            Optional.ofNullable(processEnvironment.get("HOME")).ifPresent(home -> base.put("HOME", home));
            return base;
        }

        /** How long {@code up} waits for replicas: their start timeout and a little for the first probe. */
        Duration readyTimeout() {
            return supervision().startTimeout().plusSeconds(5);
        }
    }

    /** Refuses a port something already listens on, before anything starts. */
    public static void checkPortFree(String listen, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(listen), port));
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    "--port",
                    "cannot listen on " + listen + ":" + port + " (" + e.getMessage() + ")",
                    "stop what uses the port (e.g. another slipway up: slipway ps) or pass --port"));
        }
    }

    /** A {@code --syslog} value as a collector, or a problem pointing at the option. */
    public static SyslogLog.Collector collector(String value) {
        try {
            return SyslogLog.Collector.parse(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(
                    new Problem("--syslog", e.getMessage(), "e.g. --syslog udp://127.0.0.1:514 or tcp://logs:601"));
        }
    }

    /** An app {@code slipway up} runs in this process, until {@link #close}. */
    public static final class Run implements AutoCloseable {
        private final String name;
        private final LocalState state;
        private final LocalSession session;
        private final CompletableFuture<DeployReport> first;
        private final Router router;
        private final LogSink sink;
        private final AtomicBoolean stopped = new AtomicBoolean();

        private Run(
                String name,
                LocalState state,
                LocalSession session,
                CompletableFuture<DeployReport> first,
                Router router,
                LogSink sink) {
            this.name = name;
            this.state = state;
            this.session = session;
            this.first = first;
            this.router = router;
            this.sink = sink;
        }

        /** Where the app answers: {@code http://<app>.localhost:<port>/}. */
        public String url() {
            return session.url();
        }

        public InetSocketAddress routerAddress() {
            return router.address();
        }

        public InetSocketAddress adminAddress() {
            return router.adminAddress();
        }

        /**
         * Waits for the app's first deploy and records the outcome; empty when every replica is ready, else what is
         * wrong with the others (which keep running and restarting).
         *
         * @throws InvalidInputException when the app could not start at all (e.g. a secret is missing)
         */
        public Optional<List<String>> awaitReady() {
            DeployReport report = joined(first);
            if (report.succeeded()) {
                session.phase("ready");
                return Optional.empty();
            }
            session.phase("degraded");
            List<String> notReady = session.notReady();
            return Optional.of(notReady.isEmpty() ? messages(report) : notReady);
        }

        /** Blocks until the router stops (it runs until this run is closed). */
        public void awaitTermination() throws InterruptedException, ExecutionException {
            router.terminated().get();
        }

        /**
         * Stops the labs, the router and the replicas (each with its grace period) and removes the state files;
         * false when it was already stopped.
         */
        public boolean stop() {
            if (!stopped.compareAndSet(false, true)) {
                return false;
            }
            try {
                session.detach();
                session.close(); // stops the app and its labs
                router.close();
            } finally {
                state.remove(name);
                sink.close();
            }
            return true;
        }

        @Override
        public void close() {
            stop();
        }
    }

    /**
     * Starts the router and the session that follows requests, and has the session deploy {@code app} through the
     * local backend; returns once the router listens (see {@link Run#awaitReady} for the deploy).
     *
     * @param console where replicas' output is shown, besides the app's log file (and syslog)
     * @param out where the session writes its own lines
     * @param view shows the replicas whenever they change
     */
    public static Run start(
            LocalState state,
            App app,
            Path dir,
            Config config,
            LogSink console,
            PrintWriter out,
            LocalSession.StatusView view) {
        String name = app.spec().app();
        LogSink sink = sink(state, name, config, console);
        Map<String, String> base = config.baseEnvironment();
        if (config.port() != 0) {
            // Services call each other through the router, so the route timeout protects the caller.
            String host = config.listen().equals("0.0.0.0") ? "127.0.0.1" : config.listen();
            base.put("SLIPWAY_ROUTER_URL", "http://" + host + ":" + config.port());
        }
        LocalApp.Options options = options(config, base, sink);
        try {
            // Refused before the router starts, so nothing runs for an app that cannot.
            LocalApp.check(app, config.secrets());
        } catch (RuntimeException e) {
            sink.close();
            throw e;
        }
        LocalSession session =
                new LocalSession(config.clock(), config.labSecrets(), view, state, name, dir, out, config.settings());
        Router router;
        try {
            // No route until the app's replicas have ports: the session routes them as they start.
            router = Router.start(LocalRouting.config(config.listen(), config.port(), List.of()));
        } catch (RuntimeException e) {
            sink.close();
            throw e;
        }
        try {
            Files.createDirectories(state.adminFile(name).getParent());
            Files.writeString(state.adminFile(name), hostPort(router.adminAddress()));
        } catch (IOException e) {
            router.close();
            sink.close();
            throw new UncheckedIOException("cannot write " + state.adminFile(name), e);
        }
        session.attach(router, config.listen(), config.port(), options);
        CompletableFuture<DeployReport> first = session.start(app);
        session.follow();
        return new Run(name, state, session, first, router, sink);
    }

    /**
     * {@code slipway up DIR} while the app already runs: asks the running {@code up} for a rolling redeploy of
     * what DIR holds now, printing its progress to {@code out}; the outcome says whether the new revision serves
     * (else the running one keeps serving).
     *
     * @param options the options given on this command line that a redeploy cannot change, as the running
     *     {@code up} compares them
     */
    public static LocalRequests.Outcome redeploy(
            LocalState state,
            LocalState.Running running,
            App app,
            Path dir,
            Map<String, String> options,
            PrintWriter out) {
        LocalApp.runnable(app);
        ObjectNode request = JSON.createObjectNode().put("type", "redeploy").put("directory", dir.toString());
        ObjectNode given = request.putObject("options");
        options.forEach(given::put);
        return LocalRequests.send(state, running, request, out);
    }

    /**
     * The next revision of an app ({@code up --next}), beside the revision the running {@code up} serves: the app's
     * environment's other track, deployed through the local backend of this process.
     */
    public static final class Next implements AutoCloseable {
        private final LocalState.Running current;
        private final int rev;
        private final LocalEnvironments backend;
        private final EnvironmentRef environment;
        private final CompletableFuture<DeployReport> deploy;
        private final AtomicReference<String> phase;
        private final Runnable record;
        private final Runnable stop;

        private Next(
                LocalState.Running current,
                int rev,
                LocalEnvironments backend,
                EnvironmentRef environment,
                CompletableFuture<DeployReport> deploy,
                AtomicReference<String> phase,
                Runnable record,
                Runnable stop) {
            this.current = current;
            this.rev = rev;
            this.backend = backend;
            this.environment = environment;
            this.deploy = deploy;
            this.phase = phase;
            this.record = record;
            this.stop = stop;
        }

        public int rev() {
            return rev;
        }

        /** The running {@code up} this revision runs beside. */
        public LocalState.Running current() {
            return current;
        }

        /** As {@link Run#awaitReady}; the running {@code up} takes the outcome from the next revision's file. */
        public Optional<List<String>> awaitReady() {
            DeployReport report = joined(deploy);
            phase.set(report.succeeded() ? "ready" : "degraded");
            record.run();
            if (report.succeeded()) {
                return Optional.empty();
            }
            List<String> notReady =
                    backend.running(environment).map(r -> r.local().notReady()).orElse(List.of());
            return Optional.of(notReady.isEmpty() ? messages(report) : notReady);
        }

        /** Blocks until the running {@code up} ends: the next revision has nothing to run beside then. */
        public void awaitCurrentExit() {
            ProcessHandle.of(current.pid()).ifPresent(h -> h.onExit().join());
        }

        /** Takes the routes' migration away (its file), then stops the replicas. */
        @Override
        public void close() {
            stop.run();
        }
    }

    /**
     * Starts {@code app}'s next revision as a second replica set beside the running one, deploying it through a
     * local backend of its own; returns once the deploy is under way (see {@link Next#awaitReady}). Its replicas
     * go to {@code run/<app>/next.json}; the running {@code up} follows that file and gives each route a migration
     * to them, so {@code slipway traffic} moves requests with the router's stages.
     *
     * @throws UserFacingException when the app does not run, or a next revision already does
     */
    public static Next startNext(LocalState state, App app, Path dir, Config config, LogSink console) {
        String name = app.spec().app();
        LocalState.Running current = state.read(name)
                .orElseThrow(() -> new UserFacingException("app '" + name
                        + "' does not run locally, so there is nothing to migrate from; start it first with:"
                        + " slipway up " + dir));
        state.readNext(name).ifPresent(n -> {
            throw new UserFacingException("a next revision of '" + name + "' already runs (pid " + n.pid()
                    + "); stop it first (Ctrl-C in its terminal)");
        });
        LocalApp.check(app, config.secrets());
        int running = 0;
        for (var r : current.replicas()) {
            running = Math.max(running, r.path("rev").asInt());
        }
        int taken = running;
        LogSink sink = sink(state, name + "-next", config, console);
        Map<String, String> base = config.baseEnvironment();
        base.put("SLIPWAY_ROUTER_URL", routerUrl(current.url(), name));
        Path file = state.nextFile(name);
        long pid = ProcessHandle.current().pid();
        AtomicReference<String> phase = new AtomicReference<>("starting");
        Object writing = new Object();
        AtomicBoolean stopped = new AtomicBoolean();
        EnvironmentRef environment =
                new EnvironmentRef(name, config.environment(), Optional.empty(), name, Optional.empty());
        AtomicReference<LocalEnvironments> holder = new AtomicReference<>();
        Runnable record = () -> {
            synchronized (writing) {
                LocalEnvironments b = holder.get();
                if (!stopped.get() && b != null) {
                    b.running(environment)
                            .ifPresent(r -> state.writeTo(
                                    file,
                                    name,
                                    pid,
                                    current.url(),
                                    dir,
                                    phase.get(),
                                    r.local().status()));
                }
            }
        };
        // The output goes on to the next revision's log after its processes stop: Next closes it last.
        LogSink kept = new LogSink() {
            @Override
            public void line(ReplicaId replica, String text) {
                sink.line(replica, text);
            }

            @Override
            public void event(ReplicaId replica, String text) {
                sink.event(replica, text);
            }
        };
        LocalEnvironments backend = LocalEnvironments.routedBy(
                new LocalEnvironments.Settings(
                        config.supervision(),
                        base,
                        env -> config.secrets(),
                        env -> kept,
                        config.clock(),
                        config.clusters(),
                        env -> taken),
                env -> record.run());
        holder.set(backend);
        int rev = backend.nextRevision(environment);
        ExecutorService deploying = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "slipway-up-next-" + name);
            t.setDaemon(true);
            return t;
        });
        CompletableFuture<DeployReport> deploy = CompletableFuture.supplyAsync(
                () -> backend.deploy(
                        environment,
                        app,
                        DeployOptions.by("slipway up --next").withTimeout(config.readyTimeout()),
                        DeployListener.NONE),
                deploying);
        deploying.shutdown();
        Runnable stop = () -> {
            synchronized (writing) {
                if (!stopped.compareAndSet(false, true)) {
                    return;
                }
            }
            try {
                // the route loses its migration first, so no request goes to a stopping replica
                Files.deleteIfExists(file);
                backend.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + file, e);
            } finally {
                sink.close();
            }
        };
        return new Next(current, rev, backend, environment, deploy, phase, record, stop);
    }

    /** The deploy's report; what made it fail to run at all (e.g. a missing secret) is thrown as is. */
    private static DeployReport joined(CompletableFuture<DeployReport> deploy) {
        try {
            return deploy.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static List<String> messages(DeployReport report) {
        return report.failures().stream().map(ClusterFailure::message).toList();
    }

    /**
     * Waits until an {@code up} started in the background ({@code --detach}) wrote a final phase (ready or
     * degraded), or died, or {@code timeout} passed.
     */
    public static void awaitStarted(LocalState state, String name, Process p, Duration timeout) throws IOException {
        Path runFile = state.stateFile(name);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            Files.createDirectories(runFile.getParent());
            runFile.getParent()
                    .register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (p.isAlive() && System.nanoTime() < deadline) {
                Optional<LocalState.Running> r = state.read(name);
                if (r.isPresent() && !r.get().phase().equals("starting")) {
                    return;
                }
                var key = watch.poll(500, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code slipway down}: stops the app's running {@code up} as Ctrl-C would (SIGTERM; every replica gets its
     * grace period), its next revision first, and removes its state file; says what else stopped with it (its next
     * revision, its labs) for the user.
     *
     * @throws UserFacingException when a process does not stop within 2 minutes
     */
    public static List<String> down(LocalState state, LocalState.Running running) {
        List<String> also = new ArrayList<>();
        // up --next ends by itself when up does; stopping it first spares its requests a failed route
        state.readNext(running.app()).ifPresent(n -> {
            terminate(n.pid(), running.app() + " --next");
            also.add("its next revision");
        });
        List<String> labs =
                state.labs(running.app()).stream().map(LocalState.Lab::slug).toList();
        if (!labs.isEmpty()) {
            also.add("its lab" + (labs.size() == 1 ? " " : "s ") + String.join(", ", labs));
        }
        terminate(running.pid(), running.app());
        state.remove(running.app());
        return also;
    }

    /** SIGTERM, as Ctrl-C: the process stops its replicas with their grace period, then exits. */
    private static void terminate(long pid, String what) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(2, TimeUnit.MINUTES);
            } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
                throw new UserFacingException("slipway up of '" + what + "' (pid " + pid
                        + ") did not stop within 2 minutes; kill it with kill " + pid);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserFacingException("interrupted while stopping " + what);
            }
        });
    }

    private static LogSink sink(LocalState state, String logName, Config config, LogSink console) {
        List<LogSink> sinks = new ArrayList<>();
        sinks.add(console);
        sinks.add(RotatingFileLog.open(state.logs(), logName, 10L * 1024 * 1024, 5, config.clock()));
        config.syslog().ifPresent(c -> sinks.add(SyslogLog.open(c, hostname(), config.clock())));
        return LogSink.fanOut(sinks);
    }

    private static LocalApp.Options options(Config config, Map<String, String> base, LogSink sink) {
        return new LocalApp.Options(
                config.environment(),
                config.clusters(),
                Optional.empty(),
                config.secrets(),
                base,
                config.supervision(),
                sink,
                config.clock());
    }

    private static String routerUrl(String url, String app) {
        String u = url.replace(app + ".localhost", "127.0.0.1");
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
