package dev.slipway.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway lab up}: creates the branch's lab, or redeploys it, and restarts its TTL. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Creates the lab for a branch, or redeploys it if it exists; either way its expiry becomes now + TTL.",
            "",
            "Locally the lab runs the app directory as it is on disk, as its own processes and ports, beside the"
                    + " app's slipway up, at http://<branch>.<app>.localhost:PORT/. Through a server it deploys"
                    + " the commit checked out in DIR (full SHA from git), which CI must have passed."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway up examples/predict --detach",
            "  slipway lab up examples/predict --branch feature/faster",
            "  curl -s 'feature-faster.predict.localhost:8080/predict?input=great'",
            "  slipway lab up . --server https://slipway.internal:7420 --ttl 48h",
            "  slipway lab up . -b \"$BRANCH\" --ref \"$COMMIT_SHA\" --server https://slipway.internal:7420"
        })
final class LabUpCommand implements Callable<Integer> {
    @ParentCommand
    LabCommand parent;

    @Spec
    CommandSpec spec;

    @Mixin
    LabOptions lab;

    @Option(
            names = "--ttl",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Delete the lab this long after its last deploy (default: the app's lab TTL, else 24h).")
    Duration ttl;

    @Option(
            names = "--ref",
            paramLabel = "SHA",
            description = "With --server: deploy this full commit SHA instead of the one checked out in DIR (e.g. in"
                    + " CI, where DIR may be a detached checkout).")
    String ref;

    @Mixin
    SecretStoreOptions secretStore;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = parent.context();
        if (server.enabled(context)) {
            return ServerLabs.up(this, context);
        }
        if (ref != null) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--ref needs --server: a local lab runs DIR as it is on disk, not a commit");
        }
        return LocalLabs.up(this, context);
    }
}
