package dev.slipway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code slipway} command; each capability is a subcommand of its own. */
@Command(
        name = "slipway",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Deploys apps to Kubernetes cluster groups, routes their traffic, and runs them locally.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway init my-app",
            "  slipway plan examples/acme-web --env production --clusters examples/clusters.yaml",
            "  slipway deploy examples/acme-web --env production --ref $(git rev-parse --short HEAD)",
            "",
            "Exit codes: 0 success, 1 user error (invalid input, failed rollout), 2 usage error."
        },
        subcommands = {
            InitCommand.class,
            ValidateCommand.class,
            RenderCommand.class,
            PlanCommand.class,
            DeployCommand.class,
            StatusCommand.class,
            HistoryCommand.class,
            RollbackCommand.class,
            SecretCommand.class,
            SchemaCommand.class,
            CompletionCommand.class,
            RouterCommand.class,
            TrafficCommand.class,
            UpCommand.class,
            DownCommand.class,
            PsCommand.class,
            LogsCommand.class,
            ServerCommand.class,
            LoginCommand.class,
            AppCommand.class,
            LabCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class SlipwayCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CliContext context;

    SlipwayCommand(CliContext context) {
        this.context = context;
    }

    CliContext context() {
        return context;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The configured command line for the real process. */
    public static CommandLine commandLine() {
        return commandLine(CliContext.ofProcess());
    }

    /** The configured command line: exit codes per the README (1 user error, 2 usage error). */
    public static CommandLine commandLine(CliContext context) {
        CommandLine cl = new CommandLine(new SlipwayCommand(context));
        cl.setExitCodeExceptionMapper(ExitCodes::forException);
        cl.setExecutionExceptionHandler(ExitCodes::handleExecutionException);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Examples in help are whole command lines; 100 columns keeps them on one line.
        cl.setUsageHelpWidth(100);
        cl.setUsageHelpAutoWidth(true);
        return cl;
    }
}
