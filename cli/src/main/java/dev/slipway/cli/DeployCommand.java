package dev.slipway.cli;

import dev.slipway.api.SlipwayClient;
import dev.slipway.core.Timings;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.rollout.controller.RolloutEvents;
import dev.slipway.rollout.controller.RolloutKey;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
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
            "Progress is live on a terminal and plain lines otherwise. Exit code 1 when any cluster failed.",
            "",
            "An environment with `rollout:` gets the new revision as a canary beside stable, and its rollout starts."
                    + " Through a server (--server), which runs the rollout, deploy then follows it until it is"
                    + " promoted or stopped: a live table per cluster (step, traffic split, canary against stable:"
                    + " requests, errors, p99, verdict) on a terminal, one line per change elsewhere; it says when the"
                    + " rollout waits on someone and what to run. Without a server, --routers FILE makes this process"
                    + " move the rollout as `slipway rollout run --routers FILE` does while it follows it; without"
                    + " --routers it says how to run it and returns. Exit code 0 when promoted, 1 when aborted or"
                    + " failed (with why); Ctrl-C stops following only and says how to follow again."
                    + " --no-follow starts the rollout and returns."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway deploy examples/acme-web --env production --clusters examples/clusters.yaml",
            "  slipway deploy . --env production --ref \"$(git rev-parse --short HEAD)\" --timeout 10m",
            "  slipway deploy . --env staging --force-conflicts   # take over fields another manager owns",
            "  slipway deploy . --env production --server https://slipway.internal:7420 --ca ca.pem",
            "  slipway deploy . --env production --routers routers.yaml   # and follow the rollout it starts",
            "  slipway deploy . --env production --server https://slipway.internal:7420 --no-follow"
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

    @Option(
            names = "--routers",
            paramLabel = "FILE",
            description = "Without a server: the routers file `slipway rollout run` takes (`routers: [{admin: URL,"
                    + " tokenFile: FILE}]`); with it, the rollout this deploy starts is moved and followed here until"
                    + " it is promoted or stopped.")
    Path routersFile;

    @Option(
            names = "--no-follow",
            description = "Start the rollout and return, without following it (the default when there is no server"
                    + " and no --routers).")
    boolean noFollow;

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
        Optional<Path> routers = Optional.ofNullable(routersFile).map(context::resolve);
        routers.ifPresent(RoutersFile::read);
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
            // No server runs the rollout: it starts in this machine's files, moved by `slipway rollout run`, or
            // by this process when it knows the routers.
            boolean following = routers.isPresent() && !noFollow;
            code = DirectRollouts.startAfterDeploy(
                    context,
                    directory,
                    clusterOptions,
                    rolloutSpec.get(),
                    report,
                    ref,
                    following,
                    out,
                    spec.commandLine().getErr(),
                    ansi);
            if (code == ExitCodes.OK && following) {
                code = followHere(context, new RolloutKey(report.app(), environment), routers.get(), out, ansi);
            }
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

    /** Moves the rollout as `slipway rollout run` does, showing it, until it settles or Ctrl-C. */
    private int followHere(CliContext context, RolloutKey key, Path routers, PrintWriter out, Ansi ansi) {
        RolloutDriver driver = RolloutDriver.open(
                context, key, directory, clusterOptions, Optional.of(routers), Optional.empty(), RolloutEvents.none());
        driver.follow(context);
        String continueWith = "slipway rollout run " + key.app() + " --env " + key.environment() + " --app-dir "
                + directory + " --routers " + routersFile;
        return RolloutFollow.follow(
                RolloutFollow.files(context, key),
                RolloutFollowDisplay.of(context, out, ansi),
                driver::close,
                "Stopped following the rollout; it stays at its step, with the same traffic split. Continue"
                        + " it with: " + continueWith,
                out,
                spec.commandLine().getErr(),
                ansi);
    }

    /** The server renders and applies its registered copy of the app; DIR only names the app. */
    private int throughServer(CliContext context) {
        rollout.refuseThroughServer();
        if (routersFile != null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--routers cannot be used with --server: the server reads the routers listed in its config file"
                            + " and runs the rollout itself");
        }
        String appName = AppLoader.load(context.resolve(directory)).spec().app();
        String url = server.server(context).orElseThrow();
        SlipwayClient client = server.connect(context);
        ThroughServer.Printers to = ThroughServer.printers(spec, colorOptions.ansi(context));
        AtomicBoolean rolloutStarted = new AtomicBoolean();
        int code = ThroughServer.deploy(
                client,
                url,
                appName,
                environment,
                Optional.of(ref).filter(r -> !r.isEmpty()),
                rollout.freezeOverride(),
                to,
                rolloutStarted);
        if (code != ExitCodes.OK || !rolloutStarted.get()) {
            return code;
        }
        String watch = "slipway rollout status " + appName + " --env " + environment + " --server " + url + " --watch";
        if (noFollow) {
            to.out().println("The server runs the rollout; follow it with: " + watch);
            return code;
        }
        return RolloutFollow.follow(
                RolloutFollow.server(client, url, new RolloutKey(appName, environment)),
                RolloutFollowDisplay.of(context, to.out(), to.ansi()),
                () -> {},
                "Stopped following; the server goes on with the rollout. Follow it again with: " + watch,
                to.out(),
                to.err(),
                to.ansi());
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
