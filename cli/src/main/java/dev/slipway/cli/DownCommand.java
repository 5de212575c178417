package dev.slipway.cli;

import java.io.PrintWriter;
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
        description = "Stops a local app started with slipway up (SIGTERM: every replica gets its grace period)."
                + " Without APP, stops every local app.",
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
        LocalState state = LocalState.of(root.context());
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
            ProcessHandle.of(r.pid()).ifPresent(p -> {
                p.destroy();
                try {
                    p.onExit().get(2, TimeUnit.MINUTES);
                } catch (TimeoutException | ExecutionException e) {
                    throw new UserFacingException("slipway up of '" + r.app() + "' (pid " + r.pid()
                            + ") did not stop within 2 minutes; kill it with kill " + r.pid());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UserFacingException("interrupted while stopping " + r.app());
                }
            });
            state.remove(r.app());
            out.println("stopped " + r.app());
        }
        return ExitCodes.OK;
    }
}
