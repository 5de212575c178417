package dev.slipway.cli;

import dev.slipway.core.deploy.DeployOptions;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --timeout}/{@code --force-conflicts}: how a rollout applies and waits, shared by deploy and rollback. */
final class RolloutOptions {
    private static final String[] NAMES = {"--timeout", "--force-conflicts"};

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

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

    @Option(
            names = "--override-freeze",
            paramLabel = "REASON",
            description = "Deploy through a deploy freeze, this once, for REASON (a fix that cannot wait); the freeze"
                    + " stays for everyone else. With --server it needs an admin token and is audited there.")
    String overrideFreeze;

    DeployOptions applyTo(DeployOptions options) {
        DeployOptions applied = options.withTimeout(timeout).withForceConflicts(forceConflicts);
        return overrideFreeze == null || overrideFreeze.isBlank()
                ? applied
                : applied.withFreezeOverride(overrideFreeze);
    }

    /** The override reason, when one is given (a server takes it with the deploy). */
    java.util.Optional<String> freezeOverride() {
        return java.util.Optional.ofNullable(overrideFreeze).filter(r -> !r.isBlank());
    }

    /**
     * Through a server these options cannot apply (the server's own deploy timeout does, and it never forces
     * conflicts), so giving them is a usage error rather than being silently ignored.
     */
    void refuseThroughServer() {
        for (String name : NAMES) {
            if (command.commandLine().getParseResult().hasMatchedOption(name)) {
                throw new ParameterException(
                        command.commandLine(),
                        name + " cannot be used with --server: the server's own settings apply"
                                + " (slipway server --deploy-timeout)");
            }
        }
    }
}
