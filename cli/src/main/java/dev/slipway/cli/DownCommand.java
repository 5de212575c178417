package dev.slipway.cli;

import dev.slipway.local.LocalState;
import dev.slipway.local.LocalUp;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
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
            List<String> also = LocalUp.down(state, r);
            out.println("stopped " + r.app() + (also.isEmpty() ? "" : " with " + String.join(" and ", also)));
        }
        return ExitCodes.OK;
    }
}
