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
}
