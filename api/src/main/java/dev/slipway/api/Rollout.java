package dev.slipway.api;

import java.time.Instant;
import java.util.List;

/**
 * An environment's rollout as the server reports it ({@code GET /api/apps/{app}/environments/{env}/rollout}, the
 * OpenAPI document's {@code Rollout}): the new revision beside the stable one, and where each cluster of the group
 * is in the steps.
 *
 * @param revision the revision being rolled out, as its deploy named it
 * @param clusterOrder {@code one-by-one} or {@code together}
 * @param steps the steps as users read them ({@code rps 100 for 10m}, {@code 10% for 30m}, {@code full})
 * @param analysis the limits each check holds the canary to, in words
 * @param down clusters reported unhealthy, which pause the rollout
 * @param settled whether nothing more happens unless someone acts (every cluster promoted, aborted or failed)
 * @param promoted whether the new revision is stable on every cluster
 * @param clusters each cluster's part, in the group's order
 */
public record Rollout(
        String app,
        String environment,
        String revision,
        Instant startedAt,
        String startedBy,
        String clusterOrder,
        List<String> steps,
        String analysis,
        List<String> down,
        boolean settled,
        boolean promoted,
        List<RolloutCluster> clusters) {

    public Rollout {
        steps = List.copyOf(steps);
        down = List.copyOf(down);
        clusters = List.copyOf(clusters);
    }
}
