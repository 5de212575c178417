package dev.slipway.core.deploy;

import dev.slipway.core.cluster.Cluster;

/** Opens a {@link ClusterTarget} per cluster; each backend provides one. */
@FunctionalInterface
public interface ClusterTargets {

    /**
     * @throws ClusterFailureException when the cluster's configuration cannot be used (e.g. unknown context)
     */
    ClusterTarget open(Cluster cluster);

    /**
     * Read-only looks at {@code cluster} as {@code user} in {@code groups} (chat's {@code kube ...}); empty when this
     * backend cannot act as someone else.
     *
     * @throws ClusterFailureException when the cluster's configuration cannot be used
     */
    default java.util.Optional<ClusterReads> readsAs(Cluster cluster, String user, java.util.List<String> groups) {
        return java.util.Optional.empty();
    }

    /**
     * Watches the Events of {@code namespaces} on {@code cluster}, each resuming after the resource version given
     * for it (none: everything listed now is new), until closed; empty when this backend has no events.
     *
     * @throws ClusterFailureException when the cluster's configuration cannot be used
     */
    default java.util.Optional<AutoCloseable> watchEvents(
            Cluster cluster,
            java.util.Map<String, java.util.Optional<String>> namespaces,
            ClusterEvent.Listener listener) {
        return java.util.Optional.empty();
    }
}
