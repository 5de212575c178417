package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.rollout.controller.ClusterHealth;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutRunner;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RouterClusterHealth;
import dev.slipway.rollout.controller.RouterTrafficStats;
import dev.slipway.rollout.feed.FeedRouting;
import dev.slipway.router.RouterStats;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code slipway rollout run}: the rollout controller in the foreground, for setups without a server. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the rollout controller for one rollout in the foreground until the rollout is promoted or stopped,"
                    + " or until Ctrl-C: every analysis interval it reads the routers' numbers, judges the canary,"
                    + " moves the steps on or aborts, and promotes at the end. Each transition is printed as a"
                    + " line.",
            "",
            "Traffic moves through the stages file in Slipway's state directory, which routers started with"
                    + " `slipway router --env` on this machine follow (or with --stages FILE on a shared one)."
                    + " The numbers come from the routers' admin APIs listed in --routers (default: the one on"
                    + " 127.0.0.1:9901). Ctrl-C stops following; the rollout stays where it is, with the same"
                    + " traffic split, and a later run continues it.",
            "",
            "A cluster every router shows unhealthy (no healthy endpoint of its stable track) pauses the rollout"
                    + " until it is healthy again; its canary's traffic goes back to stable meanwhile.",
            "",
            "For a group served by a Slipway server, the server runs the controller: do not run both."
                    + " Exit code 0 when promoted or stopped by Ctrl-C, 1 when the rollout was aborted or failed."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway rollout run acme-web --env production --app-dir examples/acme-web",
            "  slipway rollout run acme-web --env production --routers routers.yaml",
            "  slipway rollout run acme-web --env production --stages /shared/slipway/acme-web.stages.json",
            "",
            "routers.yaml (admin token files are 0600; tokens never go on the command line):",
            "  routers:",
            "    - {admin: http://10.0.0.5:9901, tokenFile: /etc/slipway/router-admin-token}",
            "    - {admin: http://10.0.0.6:9901, tokenFile: /etc/slipway/router-admin-token}"
        })
final class RolloutRunCommand extends RolloutCommand.OnRollout implements Callable<Integer> {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

    @Option(
            names = "--routers",
            paramLabel = "FILE",
            description = "YAML listing the routers in front of the group: `routers: [{admin: URL, tokenFile:"
                    + " FILE}]` (default: the router on http://127.0.0.1:9901, without a token).")
    Path routersFile;

    @Option(
            names = "--stages",
            paramLabel = "FILE",
            description = "The stages file to write, when the routers were started with --stages FILE (default:"
                    + " rollouts/APP/ENV.stages.json in Slipway's state directory). The stored stages are written"
                    + " to it again first.")
    Path stagesFile;

    @Override
    public Integer call() {
        CliContext context = context();
        RolloutKey key = key();
        if (server.enabled(context)) {
            String url = server.server(context).orElseThrow();
            throw new InvalidInputException(new Problem(
                    url,
                    "slipway rollout run is the controller for rollouts kept on this machine; the server at " + url
                            + " runs the controller of its rollouts itself",
                    "follow it with slipway rollout status " + app + " --env " + env.environment + " (and steer it"
                            + " with pause, resume, promote, abort or retry through the same server); to run a"
                            + " rollout kept on this machine, pass --server ''"));
        }
        PrintWriter out = out();
        App app = AppLoader.load(context.resolve(env.appDir));
        List<RoutersFile.RouterAdmin> routers =
                routersFile == null ? RoutersFile.local() : RoutersFile.read(context.resolve(routersFile));
        HttpClient http = HttpClient.newBuilder().connectTimeout(READ_TIMEOUT).build();
        Map<String, Supplier<RouterStats>> readers = new LinkedHashMap<>();
        for (RoutersFile.RouterAdmin r : routers) {
            readers.put(r.toString(), RouterTrafficStats.overHttp(http, r.admin(), r.token(), READ_TIMEOUT));
        }
        List<RouterTrafficStats.TrackRoutes> routes = FeedRouting.routable(app.spec()).stream()
                .map(s -> new RouterTrafficStats.TrackRoutes(s.name(), s.name(), s.name() + "-" + FeedRouting.CANARY))
                .toList();
        RolloutController controller = DirectRollouts.controller(
                context,
                env.appDir,
                env.clusters,
                Optional.ofNullable(stagesFile).map(context::resolve),
                new RouterTrafficStats(readers, k -> routes),
                DirectRollouts.printing(out),
                RolloutController.CONTROLLER);
        Map<String, Supplier<JsonNode>> configs = new LinkedHashMap<>();
        for (RoutersFile.RouterAdmin r : routers) {
            configs.put(r.toString(), RouterClusterHealth.configOverHttp(http, r.admin(), r.token(), READ_TIMEOUT));
        }
        // Cluster health first at every tick, so a tick never moves a step on into a cluster that is down.
        ClusterHealth health = new RouterClusterHealth(configs, k -> routes);
        RolloutState before =
                DirectRollouts.load(context, key).orElseThrow(() -> RolloutCommand.noRollout(context, key));
        if (before.settled()) {
            throw new InvalidInputException(new Problem(
                    "rollout " + key,
                    "the rollout of revision " + before.revision() + " is already " + RolloutStatusText.overall(before)
                            + ": there is nothing to run",
                    before.promoted()
                            ? "deploy a new revision to start another"
                            : "start it again with slipway rollout retry "
                                    + app.spec().app() + " --env " + env.environment));
        }
        out.println("Running the rollout of " + key.app() + " revision " + before.revision() + " in "
                + key.environment() + ": " + before.spec().describeSteps() + "; numbers from " + routers
                + ". Ctrl-C stops following (the rollout stays where it is).");
        out.flush();

        CompletableFuture<RolloutState> settled = new CompletableFuture<>();
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rollout-controller");
            t.setDaemon(true);
            return t;
        });
        AtomicReference<RolloutRunner> runner = new AtomicReference<>();
        RolloutRunner.Scheduler scheduler = (task, delay) -> {
            ScheduledFuture<?> f = executor.schedule(
                    () -> {
                        task.run();
                        // The runner stops following a rollout once it is settled: then this run is over.
                        if (runner.get().following().isEmpty()) {
                            controller
                                    .status(key)
                                    .ifPresentOrElse(
                                            settled::complete,
                                            () -> settled.completeExceptionally(
                                                    RolloutCommand.noRollout(context, key)));
                        }
                    },
                    delay.toMillis(),
                    TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
        runner.set(new RolloutRunner(controller, scheduler, health));
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                runner.get().close();
                executor.shutdown();
                try {
                    // A tick under way finishes, so what it decided is stored and acted on.
                    executor.awaitTermination(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Thread hook = new Thread(
                () -> {
                    stop.run();
                    printStopped(out, controller, key);
                },
                "rollout-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            runner.get().follow(key);
            RolloutState end = settled.get();
            stop.run();
            out.println(
                    end.promoted()
                            ? "Promoted: " + key.app() + " revision " + end.revision() + " is stable in "
                                    + key.environment() + "."
                            : "Stopped: the rollout was " + RolloutStatusText.overall(end)
                                    + "; traffic is on stable. See slipway rollout status " + key.app() + " --env "
                                    + key.environment());
            return end.promoted() ? ExitCodes.OK : ExitCodes.USER_ERROR;
        } catch (InterruptedException e) {
            stop.run();
            printStopped(out, controller, key);
            return ExitCodes.OK;
        } catch (ExecutionException e) {
            // The rollout's file went away while it ran.
            if (e.getCause() instanceof InvalidInputException gone) {
                throw gone;
            }
            throw new IllegalStateException("a rollout run failed", e.getCause());
        } finally {
            stop.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and prints the last word.
            }
        }
    }

    private static void printStopped(PrintWriter out, RolloutController controller, RolloutKey key) {
        String where = controller.status(key).map(RolloutStatusText::overall).orElse("gone");
        synchronized (out) {
            out.println("Stopped following the rollout (" + where + "); it stays where it is, with the same traffic"
                    + " split. Continue with: slipway rollout run " + key.app() + " --env " + key.environment());
            out.flush();
        }
    }
}
