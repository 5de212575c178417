package dev.slipway.cli;

import dev.slipway.core.deploy.DeployOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --timeout}/{@code --force-conflicts}: how a rollout applies and waits, shared by deploy and rollback. */
final class RolloutOptions {
    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "5m",
            converter = DurationConverter.class,
            description = "How long each cluster may take to become healthy (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = "--force-conflicts",
            description = "Take over fields another field manager owns instead of failing on the conflict.")
    boolean forceConflicts;

    DeployOptions applyTo(DeployOptions options) {
        return options.withTimeout(timeout).withForceConflicts(forceConflicts);
    }
}
