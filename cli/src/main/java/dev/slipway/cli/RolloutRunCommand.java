package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
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
        RolloutDriver driver = RolloutDriver.open(
                context,
                key,
                env.appDir,
                env.clusters,
                Optional.ofNullable(routersFile).map(context::resolve),
                Optional.ofNullable(stagesFile).map(context::resolve),
                DirectRollouts.printing(out));
        RolloutState before =
                DirectRollouts.load(context, key).orElseThrow(() -> RolloutCommand.noRollout(context, key));
        if (before.settled()) {
            throw new InvalidInputException(new Problem(
                    "rollout " + key,
                    "the rollout of revision " + before.revision() + " is already " + RolloutStatusText.overall(before)
                            + ": there is nothing to run",
                    before.promoted()
                            ? "deploy a new revision to start another"
                            : "start it again with slipway rollout retry " + app + " --env " + env.environment));
        }
        out.println("Running the rollout of " + key.app() + " revision " + before.revision() + " in "
                + key.environment() + ": " + before.spec().describeSteps() + "; numbers from " + driver.routers()
                + ". Ctrl-C stops following (the rollout stays where it is).");
        out.flush();

        Thread hook = new Thread(
                () -> {
                    driver.close();
                    printStopped(out, driver, key);
                },
                "rollout-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            RolloutState end = driver.follow(context).get();
            driver.close();
            out.println(
                    end.promoted()
                            ? "Promoted: " + key.app() + " revision " + end.revision() + " is stable in "
                                    + key.environment() + "."
                            : "Stopped: the rollout was " + RolloutStatusText.overall(end)
                                    + "; traffic is on stable. See slipway rollout status " + key.app() + " --env "
                                    + key.environment());
            return end.promoted() ? ExitCodes.OK : ExitCodes.USER_ERROR;
        } catch (InterruptedException e) {
            driver.close();
            printStopped(out, driver, key);
            return ExitCodes.OK;
        } catch (ExecutionException e) {
            // The rollout's file went away while it ran.
            if (e.getCause() instanceof InvalidInputException gone) {
                throw gone;
            }
            throw new IllegalStateException("a rollout run failed", e.getCause());
        } finally {
            driver.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and prints the last word.
            }
        }
    }

    private static void printStopped(PrintWriter out, RolloutDriver driver, RolloutKey key) {
        synchronized (out) {
            out.println("Stopped following the rollout (" + driver.where() + "); it stays where it is, with the"
                    + " same traffic split. Continue with: slipway rollout run " + key.app() + " --env "
                    + key.environment());
            out.flush();
        }
    }
}
