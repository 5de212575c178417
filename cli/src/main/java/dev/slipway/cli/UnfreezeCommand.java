package dev.slipway.cli;

import dev.slipway.core.deploy.EnvironmentTarget;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway unfreeze}: lifts an environment's deploy freeze on every cluster of its group. */
@Command(
        name = "unfreeze",
        mixinStandardHelpOptions = true,
        description = {
            "Lifts an environment's deploy freeze (slipway freeze) on every cluster of its group; with --all-apps,"
                    + " the environment's freeze for every app, on every cluster of the clusters file (or of"
                    + " --group). Each lifts only its own kind: an app's freeze outlives an every-app one."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway unfreeze acme-web --env production --app-dir examples/acme-web",
            "  slipway unfreeze --env production --all-apps"
        })
final class UnfreezeCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "APP",
            description = "App name, as in slipway.yaml (or --all-apps).")
    String app;

    @Mixin
    EnvironmentOptions env;

    @Mixin
    EveryAppOptions everyApp;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = root.context();
        everyApp.check(app, "unfreeze");
        if (everyApp.allApps) {
            if (server.enabled(context)) {
                spec.commandLine()
                        .getOut()
                        .println(FreezeCommand.serverAnswer(
                                server.connect(context).unfreezeEveryApp(env.environment, everyApp.groupName())));
                return ExitCodes.OK;
            }
            var clusters = everyApp.clusters(context, env.clusters);
            return EveryAppOptions.report(
                    spec.commandLine().getOut(),
                    clusters,
                    Engines.open(context, env.clusters)
                            .setEnvironmentFreeze(clusters, env.environment, Optional.empty()),
                    env.environment + " is no longer frozen for every app");
        }
        if (server.enabled(context)) {
            spec.commandLine()
                    .getOut()
                    .println(FreezeCommand.serverAnswer(server.connect(context).unfreeze(app, env.environment)));
            return ExitCodes.OK;
        }
        EnvironmentTarget target = Engines.target(context, app, env.environment, env.appDir, env.clusters);
        return FreezeCommand.report(
                spec.commandLine().getOut(),
                target,
                Engines.open(context, env.clusters).setFreeze(target, Optional.empty()),
                target.environment() + " is no longer frozen");
    }
}
