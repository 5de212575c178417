package dev.slipway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.local.LocalApp;
import dev.slipway.local.LocalRequests;
import dev.slipway.local.LocalSession;
import dev.slipway.local.LocalState;
import dev.slipway.local.LocalUp;
import dev.slipway.local.LogSink;
import dev.slipway.local.ReplicaId;
import dev.slipway.rollout.controller.RolloutState;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
                    + " $SLIPWAY_HOME/state, else $XDG_STATE_HOME/slipway, else ~/.local/state/slipway (an existing"
                    + " ~/.slipway is used until moved).",
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
                    + " with slipway traffic APP --stage ..., or, when the environment has a rollout:, by its steps"
                    + " on their own (the rollout controller, judged on the router's numbers).")
    boolean next;

    @Option(
            names = "--manual",
            description = "With --next: move traffic only with slipway traffic, even when the environment has a"
                    + " rollout:.")
    boolean manual;

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
        LocalState state = context.localState();
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
        LocalUp.checkPortFree(listen, port);
        if (syslog != null) {
            LocalUp.collector(syslog);
        }
        if (detach) {
            return detach(context, state, dir, name, out);
        }
        // In a terminal the status table stays at the bottom, redrawn in place; logs scroll above it.
        LiveRegion live = context.terminal() ? new LiveRegion(out, LiveRegion.width(context)) : null;
        PrintWriter shown = live == null ? out : live.scrolling();
        PrintWriter shownErr = live == null ? err : shown;
        String environment = environment(app);
        LocalUp.Run run = LocalUp.start(
                state,
                app,
                dir,
                config(context, environment),
                new ConsoleLog(shown),
                shown,
                new ReplicaView(shown, live));
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopped.compareAndSet(false, true)) {
                return;
            }
            shown.println("stopping " + name + " ...");
            run.stop();
            shown.println("stopped " + name);
            shown.flush();
        };
        Thread hook = new Thread(stop, "slipway-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        String url = run.url();
        shown.println(name + " (" + environment + ", " + clusters + " local cluster" + (clusters == 1 ? "" : "s")
                + ") on " + url + " and http://localhost:" + run.routerAddress().getPort() + "/ (router admin "
                + run.adminAddress() + ")");
        shown.flush();
        Optional<List<String>> notReady = run.awaitReady();
        if (notReady.isEmpty()) {
            shown.println("ready: " + url);
        } else {
            shownErr.println("not ready (the other services keep running; fix and run slipway up again):");
            notReady.get().forEach(r -> shownErr.println("  " + r));
            shownErr.flush();
        }
        shown.flush();
        try {
            run.awaitTermination();
        } catch (InterruptedException e) {
            // Run in-process (tests): an interrupt stops it as Ctrl-C stops the process.
            Runtime.getRuntime().removeShutdownHook(hook);
            stop.run();
        } catch (ExecutionException e) {
            stop.run();
        }
        return ExitCodes.OK;
    }

    /** How this {@code up} runs the app, from its options and the CLI's context. */
    private LocalUp.Config config(CliContext context, String environment) {
        return new LocalUp.Config(
                environment,
                listen,
                port,
                clusters,
                grace,
                Optional.ofNullable(syslog).map(LocalUp::collector),
                secretStore.open(context),
                SecretStoreOptions.labSecrets(context),
                context.env(),
                settings(context, environment),
                context.clock());
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
     * {@code slipway up DIR} while the app already runs: the running {@code up} rolls the new revision in; exits 0
     * once it serves, else 1 (the running revision keeps serving).
     */
    private int redeploy(
            CliContext context, LocalState state, LocalState.Running running, App app, Path dir, PrintWriter out) {
        Map<String, String> given = new LinkedHashMap<>();
        var parsed = spec.commandLine().getParseResult();
        settings(context, env == null ? "" : env).forEach((option, value) -> {
            if (parsed.hasMatchedOption(option)) {
                given.put(option, value);
            }
        });
        out.println(running.app() + " already runs (pid " + running.pid() + ", " + running.url()
                + "); redeploying it from " + dir);
        out.flush();
        LocalRequests.Outcome outcome = LocalUp.redeploy(state, running, app, dir, given, out);
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

    /**
     * {@code up --next}: the app's next revision beside the running one, until Ctrl-C or until the running
     * {@code up} ends.
     */
    private int next(CliContext context, LocalState state, App app, Path dir, PrintWriter out) {
        String name = app.spec().app();
        if (detach) {
            throw new InvalidInputException(new Problem(
                    "--next", "cannot be combined with --detach", "run slipway up --next in a terminal of its own"));
        }
        LocalUp.Next next = LocalUp.startNext(state, app, dir, config(context, environment(app)), new ConsoleLog(out));
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopped.compareAndSet(false, true)) {
                return;
            }
            next.close();
            out.println("stopped " + name + " rev " + next.rev());
            out.flush();
        };
        NextShutdown shutdown = new NextShutdown(stop);
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown::run, "slipway-up-next-shutdown"));
        out.println(name + " rev " + next.rev() + " starting beside the running revision ("
                + next.current().url() + ")");
        out.flush();
        Optional<List<String>> notReady = next.awaitReady();
        String environment = environment(app);
        Optional<RolloutSpec> rollout = Optional.ofNullable(
                        app.spec().environments().get(environment))
                .flatMap(EnvironmentSpec::rollout)
                .filter(r -> !manual);
        if (notReady.isEmpty() && rollout.isPresent()) {
            return rollOut(context, state, app, dir, environment, rollout.get(), next, stop, shutdown, out);
        }
        if (notReady.isEmpty()) {
            out.println("ready: " + name + " rev " + next.rev() + "; move traffic with: slipway traffic " + name
                    + " --stage optin|rps=N|percent=N|full|rollback");
        } else {
            out.println("not ready (the running revision keeps all traffic):");
            notReady.get().forEach(r -> out.println("  " + r));
        }
        out.flush();
        next.awaitCurrentExit();
        out.println("slipway up of " + name + " ended; stopping rev " + next.rev());
        stop.run();
        return ExitCodes.OK;
    }

    /**
     * The next revision, ready, rolled out by the environment's {@code rollout:} against the running {@code up}'s
     * router: exits 0 once promoted (the running {@code up} serves it), 1 when aborted (the running revision
     * serves on), or when the running {@code up} ended first.
     */
    private int rollOut(
            CliContext context,
            LocalState state,
            App app,
            Path dir,
            String environment,
            RolloutSpec spec,
            LocalUp.Next next,
            Runnable stop,
            NextShutdown shutdown,
            PrintWriter out) {
        String name = app.spec().app();
        out.println("ready: " + name + " rev " + next.rev() + "; rolling it out by the rollout: of environment "
                + environment + " (" + spec.describeSteps() + "; judged "
                + spec.analysis().describe()
                + "); see slipway rollout status " + name + " --env " + environment
                + ", or stop it with Ctrl-C (rev " + next.rev() + " is then aborted)");
        out.flush();
        Optional<LocalRollout> started = shutdown.startUnlessStopping(
                () -> LocalRollout.start(context, state, next, app, dir, environment, spec, out));
        if (started.isEmpty()) {
            return ExitCodes.USER_ERROR; // stopped before the rollout began: the shutdown hook stops rev next
        }
        LocalRollout rollout = started.get();
        CompletableFuture<?> currentExit = ProcessHandle.of(next.current().pid())
                .map(h -> (CompletableFuture<?>) h.onExit())
                .orElseGet(() -> CompletableFuture.completedFuture(null));
        CompletableFuture.anyOf(rollout.settled(), currentExit).join();
        if (!rollout.settled().isDone()) {
            out.println("slipway up of " + name + " ended; stopping rev " + next.rev());
            out.flush();
            rollout.close();
            stop.run();
            return ExitCodes.USER_ERROR;
        }
        RolloutState settled = rollout.settled().join();
        rollout.close();
        stop.run();
        if (settled.promoted()) {
            out.println(name + " rev " + next.rev() + " promoted: slipway up serves it now");
            out.flush();
            return ExitCodes.OK;
        }
        out.println(name + " rev " + next.rev() + " not promoted (" + LocalRollout.reason(settled)
                + "); the running revision serves");
        out.flush();
        return ExitCodes.USER_ERROR;
    }

    /**
     * The one shutdown hook of {@code up --next}, in order: a rollout is aborted (stored, traffic back on the
     * running revision) before the next revision's processes stop. Shutdown hooks run concurrently, so a second
     * hook could stop them first; and a rollout being started when Ctrl-C comes is waited for, then aborted (its
     * first stage may already send opted-in traffic to the next revision).
     */
    static final class NextShutdown {
        private final Runnable stop;
        private LocalRollout rollout;
        private boolean stopping;

        NextShutdown(Runnable stop) {
            this.stop = stop;
        }

        /** Runs {@code start} and keeps its rollout, unless the hook already runs (then nothing starts). */
        synchronized Optional<LocalRollout> startUnlessStopping(java.util.function.Supplier<LocalRollout> start) {
            if (stopping) {
                return Optional.empty();
            }
            rollout = start.get();
            return Optional.of(rollout);
        }

        void run() {
            LocalRollout started;
            synchronized (this) {
                stopping = true;
                started = rollout;
            }
            if (started != null) {
                started.close();
            }
            stop.run();
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
            LocalUp.awaitStarted(state, name, p, Duration.ofSeconds(90));
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
