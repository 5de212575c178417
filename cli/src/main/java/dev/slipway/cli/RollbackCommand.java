package dev.slipway.cli;

import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.RollbackPlan;
import dev.slipway.core.deploy.RollbackTo;
import dev.slipway.core.revision.Releases;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway rollback}: restores one earlier release on the whole group, through the same engine as deploy. */
@Command(
        name = "rollback",
        mixinStandardHelpOptions = true,
        description = {
            "Restores one earlier release on every cluster of an environment's group.",
            "",
            "A release is one deploy of the group (its id is in slipway history); after a halted deploy the"
                    + " clusters' revision numbers differ, but the release is the same everywhere. Before writing"
                    + " anything, every cluster's target is printed (revision now → revision restored); a cluster"
                    + " already at the release is left alone. Then cluster by cluster, with the same apply, prune,"
                    + " health wait and halt-on-failure as deploy; each records a new revision marked as a"
                    + " rollback, of the same release.",
            "",
            "Without --to: the newest release, other than the newest deploy's, that succeeded on every cluster."
                    + " Nothing is touched when a cluster lacks the release, or when --to N is another release on"
                    + " some cluster (name the release instead)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway rollback acme-web --env production --app-dir examples/acme-web",
            "  slipway rollback acme-web --env production --to 4",
            "  slipway rollback acme-web --env production --to 3f9a0c12ab44   # a release id, or a unique prefix",
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

    @Option(
            names = "--to",
            paramLabel = "REV|RELEASE",
            description = "A revision number (it must be the same release on every cluster), or a release id"
                    + " or its first " + RELEASE_PREFIX + "+ hex digits (see slipway history).")
    String to;

    /** Shortest release prefix accepted (the engine refuses shorter ones too). */
    private static final int RELEASE_PREFIX = 4;

    @Mixin
    RolloutOptions rollout;

    @Mixin
    ColorOptions colorOptions;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = root.context();
        RollbackTo target = target();
        if (server.enabled(context)) {
            rollout.refuseThroughServer();
            if (rollout.freezeOverride().isPresent()) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(),
                        "--override-freeze cannot be used with rollback --server: the server takes overrides with"
                                + " deploys only; roll back directly (without --server) with --override-freeze, or"
                                + " deploy the older ref through the server with it");
            }
            return ThroughServer.rollback(
                    server.connect(context),
                    server.server(context).orElseThrow(),
                    app,
                    env.environment,
                    target,
                    ThroughServer.printers(spec, colorOptions.ansi(context)));
        }
        EnvironmentTarget environment = Engines.target(context, app, env.environment, env.appDir, env.clusters);
        PrintWriter out = spec.commandLine().getOut();
        Ansi ansi = colorOptions.ansi(context);
        var names = ProgressDisplay.names(environment.group().clusters());
        ProgressDisplay progress = context.terminal()
                ? ProgressDisplay.live(out, ansi, context.clock(), names)
                : ProgressDisplay.plain(out, ansi, context.clock(), names);
        out.println("Rolling back " + app + " in " + environment.environment() + " to " + describe(target));
        progress.start();
        // Each new revision records which one it re-applied, that revision's ref and its release.
        DeployOptions options =
                rollout.applyTo(DeployOptions.by(Engines.who(context)).withHost(Engines.host(context)));
        DeployReport report = Engines.open(context, env.clusters).rollback(environment, target, options, progress);
        progress.finish();
        String release = progress.rollback().map(RollbackPlan::release).orElse("");
        return DeployCommand.conclude(
                report,
                out,
                spec.commandLine().getErr(),
                ansi,
                "@|green Rolled back|@ " + app + " in " + environment.environment() + " to release " + release + ".",
                "@|green Up to date|@: every cluster is already at release " + release + "; nothing was written.");
    }

    /** {@code --to 7} is a revision number, {@code --to 3f9a0c} a release id; anything else is a usage error. */
    private RollbackTo target() {
        if (to == null) {
            return RollbackTo.previous();
        }
        String value = to.strip();
        if (value.matches("[0-9]{1,9}")) {
            int number = Integer.parseInt(value);
            if (number < 1) {
                throw new ParameterException(spec.commandLine(), "--to must be a revision number (1 or more)");
            }
            return RollbackTo.revision(number);
        }
        if (value.matches("[0-9a-fA-F]{" + RELEASE_PREFIX + "," + Releases.LENGTH + "}")) {
            return RollbackTo.release(value);
        }
        throw new ParameterException(
                spec.commandLine(),
                "--to must be a revision number or a release id (" + RELEASE_PREFIX + " to " + Releases.LENGTH
                        + " hex digits, see slipway history), not '" + to + "'");
    }

    static String describe(RollbackTo target) {
        if (target instanceof RollbackTo.Number n) {
            return "revision " + n.number() + " (the same release on every cluster)";
        }
        if (target instanceof RollbackTo.Release r) {
            return "release " + r.id();
        }
        return "the previous release (the newest one that succeeded on every cluster)";
    }
}
