package dev.slipway.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway lab extend}: pushes a lab's expiry out without redeploying it. */
@Command(
        name = "extend",
        mixinStandardHelpOptions = true,
        description = {"Keeps the branch's lab longer: its expiry moves out by --by (default: its TTL)."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway lab extend examples/predict --branch feature/faster",
            "  slipway lab extend --app predict --branch feature/faster --by 72h"
        })
final class LabExtendCommand implements Callable<Integer> {
    @ParentCommand
    LabCommand parent;

    @Spec
    CommandSpec spec;

    @Mixin
    LabOptions lab;

    @Option(
            names = "--by",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How much later the lab expires (default: the lab's TTL).")
    Duration by;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = parent.context();
        if (server.enabled(context)) {
            return ServerLabs.extend(this, context);
        }
        return LocalLabs.extend(this, context);
    }
}
