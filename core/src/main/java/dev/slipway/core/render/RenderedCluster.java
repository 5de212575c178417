package dev.slipway.core.render;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.manifest.Manifest;
import java.util.List;

/**
 * The exact objects one cluster receives, in apply order: overrides applied, {@code slipway.dev/*}
 * annotations removed, namespace set, Slipway's ownership labels added.
 *
 * @param cluster the cluster
 * @param namespace the environment's namespace on that cluster
 * @param objects in apply order: wave, then built-in kind order, then source order (docs/spec.md)
 */
public record RenderedCluster(Cluster cluster, String namespace, List<Manifest> objects) {
    public RenderedCluster {
        objects = List.copyOf(objects);
    }
}
