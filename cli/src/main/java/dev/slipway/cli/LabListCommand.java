package dev.slipway.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway lab list}: every lab with its URL, ref, last deploy and time left. */
@Command(
        name = "list",
        aliases = "ls",
        mixinStandardHelpOptions = true,
        description = {"Lists labs: app, branch, URL, ref, CI state (server), last deploy, expires in, who."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway lab list",
            "  slipway lab list --app predict -o json",
            "  slipway lab list --server https://slipway.internal:7420"
        })
final class LabListCommand implements Callable<Integer> {
    @ParentCommand
    LabCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--app", paramLabel = "APP", description = "Only this app's labs.")
    String app;

    @Mixin
    OutputOptions output;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = parent.context();
        if (server.enabled(context)) {
            return ServerLabs.list(this, context);
        }
        return LocalLabs.list(this, context);
    }
}
