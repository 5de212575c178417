package dev.slipway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code slipway} command; each capability is a subcommand of its own. */
@Command(
        name = "slipway",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Deploys apps to Kubernetes cluster groups, routes their traffic, and runs them locally.",
        subcommands = {
            RouterCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class SlipwayCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The configured command line: exit codes per the README (1 user error, 2 usage error). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SlipwayCommand());
        cl.setExitCodeExceptionMapper(ExitCodes::forException);
        cl.setExecutionExceptionHandler(ExitCodes::handleExecutionException);
        return cl;
    }
}
