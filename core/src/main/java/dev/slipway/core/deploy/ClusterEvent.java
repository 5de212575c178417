package dev.slipway.core.deploy;

import java.time.Instant;
import java.util.Optional;

/**
 * A Kubernetes Event as the event forwarder sees it, without the client library's types.
 *
 * @param count how many new occurrences this report stands for (at least 1): the event's whole count when first
 *     seen, then how much the API server's aggregation raised it
 * @param resourceVersion where in the namespace's history it was written, which watches resume from
 */
public record ClusterEvent(
        String cluster,
        String namespace,
        String uid,
        String objectKind,
        String objectName,
        String reason,
        String type,
        String message,
        int count,
        Instant firstSeen,
        Instant lastSeen,
        String resourceVersion) {

    /** Follows the events of some namespaces of one cluster; every call comes from the watch's one thread. */
    public interface Listener {
        /**
         * One new or changed event, in resource-version order per namespace. Throwing makes the watch list again
         * later, from the last event this returned for.
         */
        void event(ClusterEvent event);

        /** The watch is up ({@code problem} empty) or cannot reach the cluster, and why. */
        void reachable(String cluster, Optional<String> problem);
    }

    /**
     * Whether {@code version} comes after {@code mark}. Resource versions are opaque to clients, but every API
     * server in use writes etcd's revision, a number; a version that is not one is treated as new.
     */
    public static boolean after(String version, Optional<String> mark) {
        if (mark.isEmpty()) {
            return true;
        }
        try {
            return Long.parseLong(version) > Long.parseLong(mark.get());
        } catch (NumberFormatException e) {
            return !version.equals(mark.get());
        }
    }
}
