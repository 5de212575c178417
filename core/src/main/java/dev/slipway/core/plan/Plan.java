package dev.slipway.core.plan;

import java.util.List;

/**
 * What deploying a rendering would do on every cluster of the group, in the group's order. Shown by
 * {@code slipway plan} and computed again (under the lock) by every deploy.
 *
 * @param app app name
 * @param environment environment name
 * @param clusters one plan per cluster
 */
public record Plan(String app, String environment, List<ClusterPlan> clusters) {
    public Plan {
        clusters = List.copyOf(clusters);
    }

    public boolean hasChanges() {
        return clusters.stream().anyMatch(ClusterPlan::hasChanges);
    }

    /**
     * The plan as a terminal shows it: per cluster a heading, one line per object that changes, and the
     * YAML diff of each update. Unchanged objects are counted, not listed.
     *
     * @param color wrap additions/removals in ANSI colors
     */
    public String describe(boolean color) {
        return PlanText.describe(this, color);
    }
}
