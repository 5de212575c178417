package dev.slipway.core.render;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.manifest.Manifest;
import java.util.Collections;
import java.util.List;

/**
 * The exact objects one cluster receives, in apply order: overrides applied, {@code slipway.dev/*}
 * annotations removed, namespace set, Slipway's ownership labels added.
 *
 * @param cluster the cluster
 * @param namespace the environment's namespace on that cluster
 * @param objects in apply order: wave, then built-in kind order, then source order (docs/spec.md)
 * @param waves the {@code slipway.dev/wave} of each object, same order as {@code objects}; kept because the
 *     annotation itself is stripped, and an engine that applies wave by wave needs it
 */
public record RenderedCluster(Cluster cluster, String namespace, List<Manifest> objects, List<Integer> waves) {
    public RenderedCluster {
        objects = List.copyOf(objects);
        waves = List.copyOf(waves);
        if (waves.size() != objects.size()) {
            throw new IllegalArgumentException(
                    "one wave per object: " + waves.size() + " waves for " + objects.size() + " objects");
        }
    }

    /** Objects that all sit in wave 0 (e.g. re-applied from a recorded revision). */
    public RenderedCluster(Cluster cluster, String namespace, List<Manifest> objects) {
        this(cluster, namespace, objects, Collections.nCopies(objects.size(), 0));
    }
}
