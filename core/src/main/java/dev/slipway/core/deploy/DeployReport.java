package dev.slipway.core.deploy;

import dev.slipway.core.Problem;
import java.util.List;
import java.util.Optional;

/**
 * The result of a deploy or rollback of one environment: one entry per cluster of the group in group order.
 * When preflight failed no cluster was touched and every entry is {@code NOT_STARTED}.
 *
 * @param app app name
 * @param environment environment name
 * @param clusters per-cluster results in the group's order
 * @param preflightFailures clusters that could not be reached or authenticated before anything was written
 */
public record DeployReport(
        String app, String environment, List<ClusterResult> clusters, List<ClusterFailure> preflightFailures) {
    public DeployReport {
        clusters = List.copyOf(clusters);
        preflightFailures = List.copyOf(preflightFailures);
    }

    public boolean succeeded() {
        return preflightFailures.isEmpty() && clusters.stream().allMatch(ClusterResult::succeeded);
    }

    /** True when nothing was written anywhere because every cluster was already up to date. */
    public boolean unchanged() {
        return succeeded() && clusters.stream().allMatch(c -> c.outcome() == ClusterResult.Outcome.UNCHANGED);
    }

    /** Every failure: preflight ones, else the cluster failure that halted the group. */
    public List<ClusterFailure> failures() {
        if (!preflightFailures.isEmpty()) {
            return preflightFailures;
        }
        return clusters.stream().flatMap(c -> c.failure().stream()).toList();
    }

    /**
     * The clusters where this deploy brought a new revision up as a canary beside stable (an environment with a
     * rollout, not its first deploy), in group order: where a rollout of it starts.
     */
    public List<String> canaryClusters() {
        return clusters.stream()
                .filter(c -> c.outcome() == ClusterResult.Outcome.DEPLOYED
                        && c.track().equals(Optional.of(dev.slipway.core.rollout.Track.CANARY)))
                .map(ClusterResult::cluster)
                .toList();
    }

    public Optional<ClusterResult> cluster(String name) {
        return clusters.stream().filter(c -> c.cluster().equals(name)).findFirst();
    }

    /** The failures as user-facing problems (what, where, what to do). */
    public List<Problem> problems() {
        return failures().stream().map(ClusterFailure::toProblem).toList();
    }
}
