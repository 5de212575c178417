package dev.slipway.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway lab down}: deletes a branch's lab now. */
@Command(
        name = "down",
        mixinStandardHelpOptions = true,
        description = {"Deletes the branch's lab now: stops its processes, or (through a server) deletes its namespace."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway lab down examples/predict --branch feature/faster",
            "  slipway lab down --app predict --branch feature/faster --server https://slipway.internal:7420"
        })
final class LabDownCommand implements Callable<Integer> {
    @ParentCommand
    LabCommand parent;

    @Spec
    CommandSpec spec;

    @Mixin
    LabOptions lab;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = parent.context();
        if (server.enabled(context)) {
            return ServerLabs.down(this, context);
        }
        return LocalLabs.down(this, context);
    }
}
