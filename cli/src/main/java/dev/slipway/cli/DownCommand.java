package dev.slipway.cli;

import dev.slipway.local.LocalState;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway down}: stops what {@code slipway up --detach} runs, as Ctrl-C would. */
@Command(
        name = "down",
        mixinStandardHelpOptions = true,
        description = "Stops a local app started with slipway up (SIGTERM: every replica gets its grace period),"
                + " with its labs and its next revision (slipway up --next). Without APP, stops every local app.",
        footerHeading = "%nExamples:%n",
        footer = {"  slipway down predict", "  slipway down"})
final class DownCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "APP", description = "App name (default: all).")
    String app;

    @Override
    public Integer call() {
        LocalState state = root.context().localState();
        PrintWriter out = spec.commandLine().getOut();
        List<LocalState.Running> targets = app == null
                ? state.all()
                : state.read(app)
                        .map(List::of)
                        .orElseThrow(() -> new UserFacingException(
                                "app '" + app + "' does not run locally; slipway ps lists what does"));
        if (targets.isEmpty()) {
            out.println("nothing runs locally");
            return ExitCodes.OK;
        }
        for (LocalState.Running r : targets) {
            List<String> also = new ArrayList<>();
            // up --next ends by itself when up does; stopping it first spares its requests a failed route
            state.readNext(r.app()).ifPresent(n -> {
                stop(n.pid(), r.app() + " --next");
                also.add("its next revision");
            });
            List<String> labs =
                    state.labs(r.app()).stream().map(LocalState.Lab::slug).toList();
            if (!labs.isEmpty()) {
                also.add("its lab" + (labs.size() == 1 ? " " : "s ") + String.join(", ", labs));
            }
            stop(r.pid(), r.app());
            state.remove(r.app());
            out.println("stopped " + r.app() + (also.isEmpty() ? "" : " with " + String.join(" and ", also)));
        }
        return ExitCodes.OK;
    }

    /** SIGTERM, as Ctrl-C: the process stops its replicas with their grace period, then exits. */
    private static void stop(long pid, String what) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(2, TimeUnit.MINUTES);
            } catch (TimeoutException | ExecutionException e) {
                throw new UserFacingException("slipway up of '" + what + "' (pid " + pid
                        + ") did not stop within 2 minutes; kill it with kill " + pid);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserFacingException("interrupted while stopping " + what);
            }
        });
    }
}
