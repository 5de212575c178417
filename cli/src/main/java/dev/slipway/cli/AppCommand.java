package dev.slipway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.slipway.api.ApiJson;
import dev.slipway.api.RegisteredApp;
import dev.slipway.api.SlipwayClient;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway app}: the apps a Slipway server deploys (register, list, remove). */
@Command(
        name = "app",
        mixinStandardHelpOptions = true,
        description = {
            "Manages the apps a Slipway server deploys. Before deploy, status, history, rollback or lab go through"
                    + " a server, the app is registered there once: the server reads its slipway.yaml from the"
                    + " app's directory (a git clone on the server's machine, updated by CI or a fetch) and"
                    + " deploys the commit each request names."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway app register /srv/repos/shop --server http://127.0.0.1:7420",
            "  slipway app list --server http://127.0.0.1:7420",
            "  slipway app remove shop --server http://127.0.0.1:7420"
        },
        subcommands = {AppCommand.Register.class, AppCommand.ListApps.class, AppCommand.Remove.class})
final class AppCommand implements Runnable {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The server these commands need; there is no direct mode for them. */
    static SlipwayClient connect(ServerOptions server, CliContext context) {
        if (!server.enabled(context)) {
            throw new InvalidInputException(new Problem(
                    "--server",
                    "apps are registered with a Slipway server, and none was given",
                    "pass --server URL, or set $SLIPWAY_SERVER or server: in " + CliConfig.file(context)));
        }
        return server.connect(context);
    }

    @Command(
            name = "register",
            mixinStandardHelpOptions = true,
            description = {
                "Registers the app in DIR with the server, or updates it: its name and environments come from"
                        + " DIR/slipway.yaml. DIR is the directory as the server sees it (a relative DIR is made"
                        + " absolute here, which is right when the server runs on this machine)."
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  slipway app register examples/predict --server http://127.0.0.1:7420",
                "  slipway app register /srv/repos/shop --lab-group labs --lab-ttl 48h --server https://slipway:7420"
            })
    static final class Register implements Callable<Integer> {
        @ParentCommand
        AppCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The app's directory on the server's machine.")
        Path directory;

        @Option(
                names = "--lab-group",
                paramLabel = "GROUP",
                description = "Cluster group the app's review labs go to (default: the server's choice).")
        String labGroup;

        @Option(
                names = "--lab-ttl",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "How long a lab lives after its last deploy (default: the server's --lab-ttl).")
        Duration labTtl;

        @Mixin
        ServerOptions server;

        @Override
        public Integer call() {
            CliContext context = parent.root.context();
            RegisteredApp app = connect(server, context)
                    .registerApp(
                            context.resolve(directory).toString(),
                            Optional.ofNullable(labGroup),
                            Optional.ofNullable(labTtl).map(dev.slipway.core.spec.Durations::format));
            List<String> environments = app.environments().stream()
                    .map(RegisteredApp.AppEnvironment::name)
                    .toList();
            spec.commandLine()
                    .getOut()
                    .println("Registered " + app.name() + " from " + app.directory()
                            + " (environments: " + (environments.isEmpty() ? "none" : String.join(", ", environments))
                            + "; labs live " + app.labTtl() + " after their last deploy).");
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "list",
            aliases = "ls",
            mixinStandardHelpOptions = true,
            description = {"Lists the apps the server deploys: name, directory, environments, lab TTL, who."},
            footerHeading = "%nExamples:%n",
            footer = {"  slipway app list --server http://127.0.0.1:7420 -o json"})
    static final class ListApps implements Callable<Integer> {
        @ParentCommand
        AppCommand parent;

        @Spec
        CommandSpec spec;

        @Mixin
        OutputOptions output;

        @Mixin
        ServerOptions server;

        @Override
        public Integer call() {
            CliContext context = parent.root.context();
            List<RegisteredApp> apps = connect(server, context).appList();
            var out = spec.commandLine().getOut();
            if (output.json()) {
                ArrayNode array = Output.array();
                apps.forEach(a -> array.add(ApiJson.tree(a)));
                out.println(Output.json(array));
                return ExitCodes.OK;
            }
            if (apps.isEmpty()) {
                out.println("No apps are registered; register one with: slipway app register DIR");
                return ExitCodes.OK;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"APP", "DIRECTORY", "ENVIRONMENTS", "LAB TTL", "REGISTERED BY"});
            for (RegisteredApp a : apps) {
                List<String> environments = a.environments().stream()
                        .map(RegisteredApp.AppEnvironment::name)
                        .toList();
                rows.add(new String[] {
                    a.name(),
                    a.directory(),
                    environments.isEmpty() ? "-" : String.join(",", environments),
                    a.labTtl(),
                    a.registeredBy()
                });
            }
            out.println(StatusTable.columns(rows));
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description = {
                "Unregisters an app: the server stops taking deploys and labs for it. What it deployed stays"
                        + " running, and its deploy history and audit log stay recorded."
            },
            footerHeading = "%nExamples:%n",
            footer = {"  slipway app remove shop --server http://127.0.0.1:7420"})
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        AppCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "APP", description = "App name, as in slipway.yaml.")
        String app;

        @Mixin
        ServerOptions server;

        @Override
        public Integer call() {
            CliContext context = parent.root.context();
            connect(server, context).removeApp(app);
            spec.commandLine().getOut().println("Removed " + app + " from the server's apps.");
            return ExitCodes.OK;
        }
    }
}
