package dev.slipway.store;

import java.util.Objects;
import java.util.Optional;

/**
 * A deploy to enqueue.
 *
 * @param ref what is deployed (a commit or ref); for a rollback, the release it restores when one was named
 * @param rollbackTo for a rollback, the revision number to restore; empty (and no release in {@code ref}) means the
 *     previous release
 * @param resumes the interrupted deploy this one picks up again, if any
 * @param freezeOverride an admin's reason for going through a deploy freeze, this once
 */
public record DeployRequest(
        String app,
        String environment,
        DeployKind kind,
        Optional<String> ref,
        Optional<Integer> rollbackTo,
        Optional<Long> labId,
        String requestedBy,
        RequestSource source,
        Optional<Long> resumes,
        Optional<String> freezeOverride) {

    public DeployRequest {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(requestedBy, "requestedBy");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(freezeOverride, "freezeOverride");
    }

    /** Without a freeze override. */
    public DeployRequest(
            String app,
            String environment,
            DeployKind kind,
            Optional<String> ref,
            Optional<Integer> rollbackTo,
            Optional<Long> labId,
            String requestedBy,
            RequestSource source,
            Optional<Long> resumes) {
        this(app, environment, kind, ref, rollbackTo, labId, requestedBy, source, resumes, Optional.empty());
    }

    /** The same request going through a deploy freeze once, for {@code reason}. */
    public DeployRequest withFreezeOverride(String reason) {
        return new DeployRequest(
                app, environment, kind, ref, rollbackTo, labId, requestedBy, source, resumes, Optional.of(reason));
    }

    /** Deploy {@code ref} (empty: whatever the app directory holds) to an environment. */
    public static DeployRequest deploy(
            String app, String environment, Optional<String> ref, String requestedBy, RequestSource source) {
        return new DeployRequest(
                app,
                environment,
                DeployKind.DEPLOY,
                ref,
                Optional.empty(),
                Optional.empty(),
                requestedBy,
                source,
                Optional.empty());
    }

    /** Re-apply a recorded revision. */
    public static DeployRequest rollback(
            String app, String environment, Optional<Integer> to, String requestedBy, RequestSource source) {
        return new DeployRequest(
                app,
                environment,
                DeployKind.ROLLBACK,
                Optional.empty(),
                to,
                Optional.empty(),
                requestedBy,
                source,
                Optional.empty());
    }

    /** Restore the release whose id is or starts with {@code release} on every cluster. */
    public static DeployRequest rollbackToRelease(
            String app, String environment, String release, String requestedBy, RequestSource source) {
        return new DeployRequest(
                app,
                environment,
                DeployKind.ROLLBACK,
                Optional.of(release),
                Optional.empty(),
                Optional.empty(),
                requestedBy,
                source,
                Optional.empty());
    }

    /** Bring a review lab up (or update it) at {@code ref}. */
    public static DeployRequest lab(
            String app, String labEnvironment, long labId, String ref, String requestedBy, RequestSource source) {
        return new DeployRequest(
                app,
                labEnvironment,
                DeployKind.LAB,
                Optional.of(ref),
                Optional.empty(),
                Optional.of(labId),
                requestedBy,
                source,
                Optional.empty());
    }

    /** The same deploy once more, marked as resuming {@code interrupted}. */
    public DeployRequest resuming(long interrupted, String by, RequestSource from) {
        return new DeployRequest(
                app, environment, kind, ref, rollbackTo, labId, by, from, Optional.of(interrupted), freezeOverride);
    }
}
