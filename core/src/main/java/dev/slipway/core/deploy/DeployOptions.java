package dev.slipway.core.deploy;

import java.time.Duration;
import java.util.Objects;

/**
 * How to deploy: what is being deployed, by whom, and the limits.
 *
 * @param ref what is deployed (git ref or commit), recorded in the revision; "" when unknown
 * @param who who deploys, recorded in the revision and shown to anyone refused the lock
 * @param timeout how long each cluster may take to become healthy
 * @param forceConflicts take over fields other field managers own instead of failing
 * @param keepRevisions how many revisions each cluster keeps (older ones are deleted)
 * @param host the machine deploying (the CLI's host name, a server's id), shown with {@code who} to anyone refused
 *     the lock so they know where that deploy runs; "" when unknown
 * @param freezeOverride why this one deploy may go through a deploy freeze (an admin's reason); empty: a freeze
 *     refuses it
 */
public record DeployOptions(
        String ref,
        String who,
        Duration timeout,
        boolean forceConflicts,
        int keepRevisions,
        String host,
        java.util.Optional<String> freezeOverride) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    public static final int DEFAULT_KEEP_REVISIONS = 10;

    public DeployOptions {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(who, "who");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(freezeOverride, "freezeOverride");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (keepRevisions < 1) {
            throw new IllegalArgumentException("keepRevisions must be at least 1");
        }
    }

    /** Defaults: no ref, 5 minute timeout, conflicts not forced, 10 revisions kept. */
    public static DeployOptions by(String who) {
        return new DeployOptions(
                "", who, DEFAULT_TIMEOUT, false, DEFAULT_KEEP_REVISIONS, "", java.util.Optional.empty());
    }

    public DeployOptions withRef(String newRef) {
        return new DeployOptions(newRef, who, timeout, forceConflicts, keepRevisions, host, freezeOverride);
    }

    public DeployOptions withTimeout(Duration newTimeout) {
        return new DeployOptions(ref, who, newTimeout, forceConflicts, keepRevisions, host, freezeOverride);
    }

    public DeployOptions withForceConflicts(boolean force) {
        return new DeployOptions(ref, who, timeout, force, keepRevisions, host, freezeOverride);
    }

    public DeployOptions withKeepRevisions(int keep) {
        return new DeployOptions(ref, who, timeout, forceConflicts, keep, host, freezeOverride);
    }

    public DeployOptions withHost(String newHost) {
        return new DeployOptions(ref, who, timeout, forceConflicts, keepRevisions, newHost, freezeOverride);
    }

    /** This deploy goes through a freeze, for {@code reason} (audited by whoever asks for it). */
    public DeployOptions withFreezeOverride(String reason) {
        return new DeployOptions(ref, who, timeout, forceConflicts, keepRevisions, host, java.util.Optional.of(reason));
    }

    /** Who holds the lock while this deploy runs, as others are shown it: {@code alice@laptop}, or just the user. */
    public String holder() {
        return host.isEmpty() ? who : who + "@" + host;
    }

    /** How long a deploy lock lives if its holder dies: the health timeout plus time to apply and record. */
    public Duration lockTtl() {
        return timeout.plus(Duration.ofMinutes(2));
    }
}
