package dev.slipway.core.deploy;

import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.render.Rendering;

/**
 * Where an app's environment lives across a group, for commands that need no rendering ({@code status},
 * {@code history}, {@code rollback}).
 *
 * @param app app name
 * @param environment environment name
 * @param group the environment's cluster group
 * @param namespace the environment's namespace on every cluster of the group
 */
public record EnvironmentTarget(String app, String environment, ClusterGroup group, String namespace) {

    public static EnvironmentTarget of(Rendering rendering) {
        String namespace = rendering.clusters().isEmpty()
                ? rendering
                        .app()
                        .spec()
                        .environment(rendering.environment())
                        .orElseThrow()
                        .namespace()
                : rendering.clusters().get(0).namespace();
        return new EnvironmentTarget(
                rendering.app().spec().app(), rendering.environment(), rendering.group(), namespace);
    }

    public AppEnvironment on() {
        return new AppEnvironment(app, environment, namespace);
    }
}
