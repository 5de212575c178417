package dev.slipway.core.cluster;

import java.util.List;
import java.util.Optional;

/**
 * Clusters that one environment deploys to, in deploy order.
 *
 * @param name group name as written in the clusters file
 * @param parallel deploy to all clusters at once instead of one by one
 * @param clusters in the order deploys visit them
 */
public record ClusterGroup(String name, boolean parallel, List<Cluster> clusters) {
    public ClusterGroup {
        clusters = List.copyOf(clusters);
    }

    public Optional<Cluster> cluster(String clusterName) {
        return clusters.stream().filter(c -> c.name().equals(clusterName)).findFirst();
    }
}
