package dev.slipway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.local.LocalApp;
import dev.slipway.local.LocalRouting;
import dev.slipway.local.LocalRunException;
import dev.slipway.local.LogSink;
import dev.slipway.local.ReplicaId;
import dev.slipway.local.RotatingFileLog;
import dev.slipway.local.Supervision;
import dev.slipway.local.SyslogLog;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway up}: the app's services as local processes behind the router, with no infrastructure. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Runs every service of the app that has a run: command as local processes (one per replica, each on"
                    + " its own port in $PORT), checks their health path, restarts them on crash, and puts the"
                    + " router in front: http://<app>.localhost:PORT/ and http://localhost:PORT/.",
            "",
            "Logs stream to the terminal with app= env= service= replica= cluster= rev= appended and go to"
                    + " <state>/logs/<app>.log. Ctrl-C stops everything. State lives in $SLIPWAY_STATE_DIR, else"
                    + " ~/.slipway.",
            "",
            "If the app already runs, slipway up DIR redeploys it instead: the running slipway up replaces one"
                    + " replica at a time with the new revision, each ready before the old one stops; if the new"
                    + " revision does not become ready, the old one keeps serving and the command exits 1."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway up examples/predict",
            "  curl -s localhost:8080/predict -d '{\"input\": \"what a lovely day\"}'",
            "  slipway up examples/predict --clusters 2 --detach && slipway ps && slipway down predict",
            "  slipway up examples/predict      # again, while it runs: rolling redeploy"
        })
final class UpCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "App directory (default: .).")
    Path directory;

    @Option(names = "--port", defaultValue = "8080", description = "Router port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--listen",
            defaultValue = "127.0.0.1",
            paramLabel = "HOST",
            description = "Address the router listens on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(
            names = "--clusters",
            defaultValue = "1",
            paramLabel = "N",
            description = "Run N local clusters (separate replica sets) to see failover (default: 1).")
    int clusters;

    @Option(names = "--env", paramLabel = "ENV", description = "Environment name (default: the first declared).")
    String env;

    @Option(names = "--detach", description = "Run in the background; stop with slipway down APP.")
    boolean detach;

    @Option(
            names = "--syslog",
            paramLabel = "HOST:PORT",
            description = "Also send every log line to this syslog collector as RFC 5424: udp://HOST:PORT,"
                    + " tcp://HOST:PORT (octet-counted, reconnects), or HOST:PORT for UDP.")
    String syslog;

    @Option(
            names = "--grace",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Time between SIGTERM and SIGKILL when stopping a replica (default: ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(
            names = "--next",
            description = "Start the app's next revision beside the one slipway up runs; its routes migrate to it"
                    + " with slipway traffic APP --stage ...")
    boolean next;

    @Mixin
    SecretStoreOptions secretStore;

    @Override
    public Integer call() {
        CliContext context = root.context();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir = context.resolve(directory == null ? Path.of(".") : directory);
        App app = AppLoader.load(dir);
        String name = app.spec().app();
        LocalState state = LocalState.of(context);
        if (clusters < 1 || clusters > 9) {
            throw new InvalidInputException(new Problem("--clusters", "must be 1 to 9, got " + clusters, "e.g. 2"));
        }
        if (next) {
            return next(context, state, app, dir, out);
        }
        Optional<LocalState.Running> running = state.read(name);
        if (running.isPresent()) {
            return redeploy(context, state, running.get(), app, dir, out);
        }
        LocalApp.runnable(app);
        checkPortFree();
        if (syslog != null) {
            collector(syslog);
        }
        if (detach) {
            return detach(context, state, dir, name, out);
        }
        // In a terminal the status table stays at the bottom, redrawn in place; logs scroll above it.
        LiveRegion live = context.terminal() ? new LiveRegion(out, LiveRegion.width(context)) : null;
        PrintWriter shown = live == null ? out : live.scrolling();
        PrintWriter shownErr = live == null ? err : shown;
        String environment = environment(app);
        LogSink sink = sink(context, state, name, shown);
        Map<String, String> base = baseEnv(context);
        if (port != 0) {
            // Services call each other through the router, so the route timeout protects the caller.
            String host = listen.equals("0.0.0.0") ? "127.0.0.1" : listen;
            base.put("SLIPWAY_ROUTER_URL", "http://" + host + ":" + port);
        }
        LocalApp.Options options = options(context, environment, base, sink);
        Supervision supervision = options.supervision();
        LocalSession session = new LocalSession(context, state, name, dir, shown, settings(context, environment));
        LocalApp local = LocalApp.start(app, 1, options, session::changed);
        Router router;
        try {
            router = Router.start(LocalRouting.config(local, listen, port, true));
            Files.createDirectories(state.adminFile(name).getParent());
            Files.writeString(state.adminFile(name), hostPort(router.adminAddress()));
        } catch (IOException e) {
            local.close();
            sink.close();
            throw new UncheckedIOException("cannot write " + state.adminFile(name), e);
        } catch (RuntimeException e) {
            local.close();
            sink.close();
            throw e;
        }
        if (live != null) {
            session.liveRegion(live);
        }
        session.attach(local, router, listen, port);
        session.follow();
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopped.compareAndSet(false, true)) {
                return;
            }
            shown.println("stopping " + name + " ...");
            try {
                session.detach();
                session.close();
                router.close();
                local.close();
            } finally {
                state.remove(name);
                sink.close();
            }
            shown.println("stopped " + name);
            shown.flush();
        };
        Thread hook = new Thread(stop, "slipway-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        String url = session.url();
        shown.println(name + " (" + environment + ", " + clusters + " local cluster" + (clusters == 1 ? "" : "s")
                + ") on " + url + " and http://localhost:" + router.address().getPort() + "/ (router admin "
                + router.adminAddress() + ")");
        shown.flush();
        try {
            local.awaitReady(supervision.startTimeout().plusSeconds(5));
            session.phase("ready");
            shown.println("ready: " + url);
        } catch (LocalRunException e) {
            session.phase("degraded");
            shownErr.println("not ready (the other services keep running; fix and run slipway up again):");
            e.replicas().forEach(r -> shownErr.println("  " + r));
            shownErr.flush();
        }
        shown.flush();
        try {
            router.terminated().get();
        } catch (InterruptedException e) {
            // Run in-process (tests): an interrupt stops it as Ctrl-C stops the process.
            Runtime.getRuntime().removeShutdownHook(hook);
            stop.run();
        } catch (ExecutionException e) {
            stop.run();
        }
        return ExitCodes.OK;
    }

    /**
     * What this {@code up} runs with that a redeploy cannot change (the router, the replica sets, the logs), by
     * option name, compared as {@link LocalSession#setting} writes them.
     */
    private Map<String, String> settings(CliContext context, String environment) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("--port", LocalSession.setting(port));
        s.put("--listen", LocalSession.setting(listen));
        s.put("--clusters", LocalSession.setting(clusters));
        s.put("--env", LocalSession.setting(environment));
        s.put("--grace", LocalSession.setting(grace));
        s.put("--syslog", LocalSession.setting(syslog));
        s.put(
                "--secrets-key",
                LocalSession.setting(secretStore.keyFile == null ? null : context.resolve(secretStore.keyFile)));
        s.put(
                "--secrets-dir",
                LocalSession.setting(secretStore.directory == null ? null : context.resolve(secretStore.directory)));
        return s;
    }

    /**
     * {@code slipway up DIR} while the app already runs: asks the running {@code up} for a rolling redeploy of
     * what DIR holds now, shows its progress and exits 0 once the new revision serves, else 1 (the running
     * revision keeps serving).
     */
    private int redeploy(
            CliContext context, LocalState state, LocalState.Running running, App app, Path dir, PrintWriter out) {
        LocalApp.runnable(app);
        ObjectNode request = JSON.createObjectNode().put("type", "redeploy").put("directory", dir.toString());
        ObjectNode given = request.putObject("options");
        var parsed = spec.commandLine().getParseResult();
        settings(context, env == null ? "" : env).forEach((option, value) -> {
            if (parsed.hasMatchedOption(option)) {
                given.put(option, value);
            }
        });
        out.println(running.app() + " already runs (pid " + running.pid() + ", " + running.url()
                + "); redeploying it from " + dir);
        out.flush();
        LocalRequests.Outcome outcome = LocalRequests.send(state, running, request, out);
        if (!outcome.ok()) {
            throw new UserFacingException(outcome.message());
        }
        out.println(outcome.message());
        return ExitCodes.OK;
    }

    private String environment(App app) {
        return Optional.ofNullable(env)
                .orElse(app.spec().environments().keySet().stream().findFirst().orElse("local"));
    }

    private LogSink sink(CliContext context, LocalState state, String logName, PrintWriter out) {
        List<LogSink> sinks = new ArrayList<>();
        sinks.add(new ConsoleLog(out));
        sinks.add(RotatingFileLog.open(state.logs(), logName, 10L * 1024 * 1024, 5, context.clock()));
        if (syslog != null) {
            sinks.add(SyslogLog.open(collector(syslog), hostname(), context.clock()));
        }
        return LogSink.fanOut(sinks);
    }

    private static Map<String, String> baseEnv(CliContext context) {
        Map<String, String> base = new HashMap<>(context.env());
        base.keySet().removeIf(k -> k.startsWith("SLIPWAY_"));
        base.put("PYTHONUNBUFFERED", "1");
        return base;
    }

    private LocalApp.Options options(CliContext context, String environment, Map<String, String> base, LogSink sink) {
        Supervision supervision = new Supervision(
                grace,
                Supervision.DEFAULT.startTimeout(),
                Supervision.DEFAULT.probeInterval(),
                Supervision.DEFAULT.probeTimeout(),
                Supervision.DEFAULT.failureThreshold(),
                Supervision.DEFAULT.backoffInitial(),
                Supervision.DEFAULT.backoffMax());
        LocalApp.Options options = new LocalApp.Options(
                environment,
                clusters,
                Optional.empty(),
                secretStore.open(context),
                base,
                supervision,
                sink,
                context.clock());
        return options;
    }

    /**
     * {@code up --next}: the app's next revision as a second replica set beside the running one. Its replicas go
     * to {@code run/<app>/next.json}; the running {@code up} follows that file and gives each route a migration
     * to them, so {@code slipway traffic} moves requests with the router's stages. Stops with Ctrl-C, or when
     * the running {@code up} ends.
     */
    private int next(CliContext context, LocalState state, App app, Path dir, PrintWriter out) {
        String name = app.spec().app();
        if (detach) {
            throw new InvalidInputException(new Problem(
                    "--next", "cannot be combined with --detach", "run slipway up --next in a terminal of its own"));
        }
        LocalState.Running current = state.read(name)
                .orElseThrow(() -> new UserFacingException("app '" + name
                        + "' does not run locally, so there is nothing to migrate from; start it first with:"
                        + " slipway up " + dir));
        state.readNext(name).ifPresent(n -> {
            throw new UserFacingException("a next revision of '" + name + "' already runs (pid " + n.pid()
                    + "); stop it first (Ctrl-C in its terminal)");
        });
        LocalApp.runnable(app);
        int rev = 1;
        for (var r : current.replicas()) {
            rev = Math.max(rev, r.path("rev").asInt() + 1);
        }
        LogSink sink = sink(context, state, name + "-next", out);
        Map<String, String> base = baseEnv(context);
        base.put("SLIPWAY_ROUTER_URL", routerUrl(current.url(), name));
        LocalApp.Options options = options(context, environment(app), base, sink);
        Path file = state.nextFile(name);
        long pid = ProcessHandle.current().pid();
        java.util.concurrent.atomic.AtomicReference<String> phase =
                new java.util.concurrent.atomic.AtomicReference<>("starting");
        Object writing = new Object();
        java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.function.Consumer<LocalApp> record = l -> {
            synchronized (writing) {
                if (!stopped.get()) {
                    state.writeTo(file, name, pid, current.url(), dir, phase.get(), l.status());
                }
            }
        };
        LocalApp local = LocalApp.start(app, rev, options, record);
        Runnable stop = () -> {
            synchronized (writing) {
                if (!stopped.compareAndSet(false, true)) {
                    return;
                }
            }
            try {
                // the route loses its migration first, so no request goes to a stopping replica
                Files.deleteIfExists(file);
                local.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + file, e);
            } finally {
                sink.close();
            }
            out.println("stopped " + name + " rev " + local.rev());
            out.flush();
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "slipway-up-next-shutdown"));
        out.println(name + " rev " + rev + " starting beside the running revision (" + current.url() + ")");
        out.flush();
        try {
            local.awaitReady(options.supervision().startTimeout().plusSeconds(5));
            phase.set("ready");
            record.accept(local);
            out.println("ready: " + name + " rev " + rev + "; move traffic with: slipway traffic " + name
                    + " --stage optin|rps=N|percent=N|full|rollback");
        } catch (LocalRunException e) {
            phase.set("degraded");
            record.accept(local);
            out.println("not ready (the running revision keeps all traffic):");
            e.replicas().forEach(r -> out.println("  " + r));
        }
        out.flush();
        ProcessHandle.of(current.pid()).ifPresent(h -> h.onExit().join());
        out.println("slipway up of " + name + " ended; stopping rev " + rev);
        stop.run();
        return ExitCodes.OK;
    }

    private static String routerUrl(String url, String app) {
        String u = url.replace(app + ".localhost", "127.0.0.1");
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private void checkPortFree() {
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

    private int detach(CliContext context, LocalState state, Path dir, String name, PrintWriter out) {
        List<String> command = new ArrayList<>(List.of(
                "setsid",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "up",
                dir.toString(),
                "--port",
                Integer.toString(port),
                "--listen",
                listen,
                "--clusters",
                Integer.toString(clusters),
                "--grace",
                grace.toMillis() + "ms"));
        if (env != null) {
            command.addAll(List.of("--env", env));
        }
        if (syslog != null) {
            command.addAll(List.of("--syslog", syslog));
        }
        if (secretStore.keyFile != null) {
            command.addAll(List.of(
                    "--secrets-key", context.resolve(secretStore.keyFile).toString()));
        }
        if (secretStore.directory != null) {
            command.addAll(List.of(
                    "--secrets-dir", context.resolve(secretStore.directory).toString()));
        }
        Path runDir = state.runDirectory(name);
        Path output = runDir.resolve("up.out");
        try {
            Files.createDirectories(runDir);
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            pb.environment().clear();
            pb.environment().putAll(context.env());
            Process p = pb.start();
            awaitStarted(state, name, p, Duration.ofSeconds(90));
            LocalState.Running running = state.read(name)
                    .orElseThrow(() -> new UserFacingException(
                            "slipway up for '" + name + "' stopped while starting; see " + output));
            out.println(name + " runs in the background (pid " + running.pid() + ", " + running.phase() + ") on "
                    + running.url());
            out.println("  logs: slipway logs " + name + " -f    status: slipway ps    stop: slipway down " + name);
            return running.phase().equals("ready") ? ExitCodes.OK : ExitCodes.USER_ERROR;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start slipway up in the background", e);
        }
    }

    /** Waits until the background process wrote a final phase (ready/degraded) or died. */
    private static void awaitStarted(LocalState state, String name, Process p, Duration timeout) throws IOException {
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

    private static SyslogLog.Collector collector(String value) {
        try {
            return SyslogLog.Collector.parse(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(
                    new Problem("--syslog", e.getMessage(), "e.g. --syslog udp://127.0.0.1:514 or tcp://logs:601"));
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Prints every line, from every replica, with its metadata. */
    private static final class ConsoleLog implements LogSink {
        private final PrintWriter out;

        ConsoleLog(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void line(ReplicaId replica, String text) {
            synchronized (out) {
                out.println(LogSink.format(replica, text));
                out.flush();
            }
        }
    }
}
