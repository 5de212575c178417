package dev.slipway.core.deploy;

import dev.slipway.core.cluster.Cluster;

/** Opens a {@link ClusterTarget} per cluster; each backend provides one. */
@FunctionalInterface
public interface ClusterTargets {

    /**
     * @throws ClusterFailureException when the cluster's configuration cannot be used (e.g. unknown context)
     */
    ClusterTarget open(Cluster cluster);
}
