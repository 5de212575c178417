package dev.slipway.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Names a deployed environment of an app for commands that need no rendering (status, history, rollback). */
final class EnvironmentOptions {
    @Option(names = "--env", required = true, paramLabel = "ENV", description = "Environment, as in slipway.yaml.")
    String environment;

    @Option(
            names = "--app-dir",
            paramLabel = "DIR",
            defaultValue = ".",
            description = "The app's directory: its slipway.yaml maps the environment to a cluster group and a"
                    + " namespace (default: the current directory).")
    Path appDir;

    @Mixin
    ClusterOptions clusters;
}
