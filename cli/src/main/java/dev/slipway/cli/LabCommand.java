package dev.slipway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code slipway lab}: review labs, one isolated copy of the app per branch. Without {@code --server} a lab runs
 * as local processes beside {@code slipway up}; with it, the server deploys the branch's commit (gated on CI) into
 * the lab's own namespace.
 */
@Command(
        name = "lab",
        mixinStandardHelpOptions = true,
        description = {
            "Review labs: a copy of the app for one branch, reachable on its own URL, deleted a while (the TTL,"
                    + " default 24h) after its last deploy.",
            "",
            "Locally (no --server) a lab runs as local processes beside slipway up, at"
                    + " http://<branch>.<app>.localhost:PORT/. With --server URL (or $SLIPWAY_SERVER) the server"
                    + " deploys the branch's commit, once CI passed, into the namespace <app>-lab-<branch> on the"
                    + " app's lab clusters."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway lab up examples/predict --branch feature/faster",
            "  slipway lab list",
            "  slipway lab extend examples/predict --branch feature/faster --by 48h",
            "  slipway lab down examples/predict --branch feature/faster"
        },
        subcommands = {LabUpCommand.class, LabListCommand.class, LabDownCommand.class, LabExtendCommand.class})
final class LabCommand implements Runnable {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    CliContext context() {
        return root.context();
    }
}
