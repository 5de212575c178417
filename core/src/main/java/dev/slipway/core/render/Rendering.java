package dev.slipway.core.render;

import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.spec.App;
import java.util.List;

/**
 * An app rendered for one environment: what each cluster of the group gets.
 *
 * @param app the loaded app
 * @param environment environment name
 * @param group the environment's cluster group
 * @param clusters one entry per cluster, in the group's order
 */
public record Rendering(App app, String environment, ClusterGroup group, List<RenderedCluster> clusters) {
    public Rendering {
        clusters = List.copyOf(clusters);
    }
}
