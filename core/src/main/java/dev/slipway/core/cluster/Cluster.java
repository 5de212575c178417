package dev.slipway.core.cluster;

import java.util.List;

/**
 * One Kubernetes cluster of a group, reached through a kubeconfig context.
 *
 * @param name the name used in {@code slipway.dev/clusters} and {@code slipway.dev/override.<name>}
 * @param context kubeconfig context; defaults to {@code name}
 * @param site where the cluster runs (e.g. {@code east}); the router prefers clusters of its own site
 * @param nodes addresses the router reaches this cluster's NodePorts on
 * @param weight share of traffic the router sends this cluster relative to its siblings (default 1)
 */
public record Cluster(String name, String context, String site, List<String> nodes, int weight) {
    public Cluster {
        nodes = List.copyOf(nodes);
    }
}
