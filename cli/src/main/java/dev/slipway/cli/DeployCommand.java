package dev.slipway.cli;

import dev.slipway.core.Timings;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
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

/** {@code slipway deploy}: render, plan, apply, prune, wait for health and record, cluster by cluster. */
@Command(
        name = "deploy",
        mixinStandardHelpOptions = true,
        description = {
            "Deploys an app to every cluster of an environment's group.",
            "",
            "Server-side apply (field manager slipway), prune of what the app no longer declares, wait for"
                    + " health, record a revision.",
            "",
            "Clusters go one by one in the group's order (all at once for parallel groups). The first failure"
                    + " halts the group; later clusters keep their previous revision. A redeploy with no change"
                    + " writes nothing. Another deploy of the same app and environment holding a cluster's lock"
                    + " is reported with who holds it.",
            "",
            "Progress is live on a terminal and plain lines otherwise. Exit code 1 when any cluster failed."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway deploy examples/acme-web --env production --clusters examples/clusters.yaml",
            "  slipway deploy . --env production --ref \"$(git rev-parse --short HEAD)\" --timeout 10m",
            "  slipway deploy . --env staging --force-conflicts   # take over fields another manager owns",
            "  slipway deploy . --env production --server https://slipway.internal:7420 --ca ca.pem"
        })
final class DeployCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The app directory.")
    Path directory;

    @Option(names = "--env", required = true, paramLabel = "ENV", description = "Environment, as in slipway.yaml.")
    String environment;

    @Option(
            names = "--ref",
            paramLabel = "REF",
            defaultValue = "",
            description = "What is deployed (git ref or commit), recorded in the revision.")
    String ref;

    @Mixin
    RolloutOptions rollout;

    @Mixin
    ClusterOptions clusterOptions;

    @Mixin
    SecretStoreOptions storeOptions;

    @Mixin
    ColorOptions colorOptions;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = root.context();
        if (server.enabled(context)) {
            return throughServer(context);
        }
        // Everything that can be wrong with the input fails here, before any cluster is contacted.
        App app = Timings.time("load the app", () -> AppLoader.load(context.resolve(directory)));
        ClustersConfig clusters = clusterOptions.load(context);
        Rendering rendering = Timings.time(
                "render",
                () -> new Renderer(storeOptions.open(context).forApp(app)).render(app, environment, clusters));

        PrintWriter out = spec.commandLine().getOut();
        Ansi ansi = colorOptions.ansi(context);
        var names = ProgressDisplay.names(rendering.group().clusters());
        ProgressDisplay progress = context.terminal()
                ? ProgressDisplay.live(out, ansi, context.clock(), names)
                : ProgressDisplay.plain(out, ansi, context.clock(), names);
        out.println("Deploying " + app.spec().app() + " to " + environment + " (group "
                + rendering.group().name()
                + (rendering.group().parallel() ? ", all clusters at once" : ", cluster by cluster") + ")");
        progress.start();
        DeployOptions options = rollout.applyTo(DeployOptions.by(Engines.who(context))
                .withHost(Engines.host(context))
                .withRef(ref));
        DeployReport report = Timings.time(
                "deploy (engine)", () -> Engines.open(context, clusterOptions).deploy(rendering, options, progress));
        progress.finish();
        int code = conclude(report, out, spec.commandLine().getErr(), ansi);
        var rolloutSpec = app.spec().resolveEnvironment(environment).rollout();
        if (code == ExitCodes.OK
                && rolloutSpec.isPresent()
                && !report.canaryClusters().isEmpty()) {
            // No server runs the rollout: it starts in this machine's files, moved by `slipway rollout run`.
            code = DirectRollouts.startAfterDeploy(
                    context,
                    directory,
                    clusterOptions,
                    rolloutSpec.get(),
                    report,
                    ref,
                    out,
                    spec.commandLine().getErr(),
                    ansi);
        } else if (rolloutSpec.isPresent() && report.failedCanary().isPresent()) {
            // The canary could not run and the engine took it away: the rollout is recorded as stopped, for
            // `rollout status` to show; the deploy failed either way.
            DirectRollouts.recordFailedCanary(
                    context,
                    directory,
                    clusterOptions,
                    rolloutSpec.get(),
                    report,
                    ref,
                    out,
                    spec.commandLine().getErr(),
                    ansi);
        }
        return code;
    }

    /** The server renders and applies its registered copy of the app; DIR only names the app. */
    private int throughServer(CliContext context) {
        rollout.refuseThroughServer();
        String appName = AppLoader.load(context.resolve(directory)).spec().app();
        return ThroughServer.deploy(
                server.connect(context),
                server.server(context).orElseThrow(),
                appName,
                environment,
                Optional.of(ref).filter(r -> !r.isEmpty()),
                ThroughServer.printers(spec, colorOptions.ansi(context)));
    }

    /** Prints the outcome; failures become user errors with cluster, object and what to do. */
    static int conclude(DeployReport report, PrintWriter out, PrintWriter err, Ansi ansi) {
        return conclude(
                report,
                out,
                err,
                ansi,
                "@|green Deployed|@ " + report.app() + " to " + report.environment() + ".",
                "@|green Up to date|@: nothing was written.");
    }

    /** As {@link #conclude(DeployReport, PrintWriter, PrintWriter, Ansi)}, saying success in the given words. */
    static int conclude(
            DeployReport report, PrintWriter out, PrintWriter err, Ansi ansi, String done, String unchanged) {
        if (!report.preflightFailures().isEmpty()) {
            report.problems().forEach(p -> err.println(ansi.string("@|red,bold error:|@ ") + p.describe()));
            err.println("Nothing was changed on any cluster.");
            return ExitCodes.USER_ERROR;
        }
        if (!report.succeeded()) {
            long untouched = report.clusters().stream()
                    .filter(c -> c.outcome() == ClusterResult.Outcome.NOT_STARTED)
                    .count();
            report.problems().forEach(p -> err.println(ansi.string("@|red,bold error:|@ ") + p.describe()));
            if (untouched > 0) {
                err.println("Halted: " + untouched + " later cluster(s) were not touched and keep their previous"
                        + " revision.");
            }
            return ExitCodes.USER_ERROR;
        }
        out.println(ansi.string(report.unchanged() ? unchanged : done));
        return ExitCodes.OK;
    }
}
