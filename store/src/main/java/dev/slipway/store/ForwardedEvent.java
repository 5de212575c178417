package dev.slipway.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An abnormal Kubernetes event (or a group of its repeats) as the server forwards it: what happened to which
 * object, and the deploy that put the app there.
 *
 * @param id the store's id (0 before it is stored)
 * @param occurrences how many times the object had this reason within the grouping window
 * @param revision the revision the environment runs, when a deploy recorded one
 * @param ref the git ref of that deploy
 * @param deployedBy who asked for that deploy
 * @param deployId that deploy
 */
public record ForwardedEvent(
        long id,
        String app,
        String environment,
        String cluster,
        String namespace,
        String objectKind,
        String objectName,
        String reason,
        String type,
        String message,
        int occurrences,
        Instant firstSeen,
        Instant lastSeen,
        Optional<Integer> revision,
        Optional<String> ref,
        Optional<String> deployedBy,
        Optional<Long> deployId) {

    public ForwardedEvent {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : message;
    }

    /** The same event with the store's id and the group's count and times. */
    public ForwardedEvent stored(long newId, int newOccurrences, Instant newFirstSeen, Instant newLastSeen) {
        return new ForwardedEvent(
                newId,
                app,
                environment,
                cluster,
                namespace,
                objectKind,
                objectName,
                reason,
                type,
                message,
                newOccurrences,
                newFirstSeen,
                newLastSeen,
                revision,
                ref,
                deployedBy,
                deployId);
    }
}
