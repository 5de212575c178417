package dev.slipway.cli;

import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.RollbackTo;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway rollback}: re-applies a recorded revision through the same engine as deploy. */
@Command(
        name = "rollback",
        mixinStandardHelpOptions = true,
        description = {
            "Re-applies a recorded revision on every cluster of an environment's group.",
            "",
            "Cluster by cluster, with the same apply, prune, health wait and halt-on-failure as deploy."
                    + " Records a new revision marked as a rollback.",
            "",
            "Without --to, each cluster goes back to its newest successful revision before the current one."
                    + " Nothing is touched unless every cluster has the revision to go back to."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway rollback acme-web --env production --app-dir examples/acme-web",
            "  slipway rollback acme-web --env production --to 4",
            "  slipway rollback acme-web --env production --server https://slipway.internal:7420"
        })
final class RollbackCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "APP", description = "App name, as in slipway.yaml.")
    String app;

    @Mixin
    EnvironmentOptions env;

    @Option(names = "--to", paramLabel = "REV", description = "Revision number to re-apply (see slipway history).")
    Integer revision;

    @Mixin
    RolloutOptions rollout;

    @Mixin
    ColorOptions colorOptions;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = root.context();
        if (revision != null && revision < 1) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--to must be a revision number (1 or more)");
        }
        if (server.enabled(context)) {
            rollout.refuseThroughServer();
            return ThroughServer.rollback(
                    server.connect(context),
                    server.server(context).orElseThrow(),
                    app,
                    env.environment,
                    Optional.ofNullable(revision),
                    ThroughServer.printers(spec, colorOptions.ansi(context)));
        }
        EnvironmentTarget target = Engines.target(context, app, env.environment, env.appDir, env.clusters);
        PrintWriter out = spec.commandLine().getOut();
        Ansi ansi = colorOptions.ansi(context);
        var names = ProgressDisplay.names(target.group().clusters());
        ProgressDisplay progress = context.terminal()
                ? ProgressDisplay.live(out, ansi, context.clock(), names)
                : ProgressDisplay.plain(out, ansi, context.clock(), names);
        out.println("Rolling back " + app + " in " + target.environment() + " to "
                + (revision == null ? "the previous successful revision" : "revision " + revision));
        progress.start();
        // The new revision records which one it re-applied; the ref stays that revision's own.
        DeployOptions options = rollout.applyTo(DeployOptions.by(Engines.who(context)));
        DeployReport report = Engines.open(context, env.clusters)
                .rollback(
                        target,
                        revision == null ? RollbackTo.previous() : RollbackTo.revision(revision),
                        options,
                        progress);
        progress.finish();
        return DeployCommand.conclude(report, out, spec.commandLine().getErr(), ansi);
    }
}
