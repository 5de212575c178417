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
 * @param withdrawnCanaries clusters whose canary this deploy brought up and took away again because the canary
 *     failed on another cluster ({@link #failedCanary()}), in group order
 */
public record DeployReport(
        String app,
        String environment,
        List<ClusterResult> clusters,
        List<ClusterFailure> preflightFailures,
        List<String> withdrawnCanaries) {
    public DeployReport {
        clusters = List.copyOf(clusters);
        preflightFailures = List.copyOf(preflightFailures);
        withdrawnCanaries = List.copyOf(withdrawnCanaries);
    }

    /** A report in which no canary was withdrawn. */
    public DeployReport(
            String app, String environment, List<ClusterResult> clusters, List<ClusterFailure> preflightFailures) {
        this(app, environment, clusters, preflightFailures, List.of());
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

    /**
     * The cluster where this deploy's new revision could not run as a canary (it never became healthy, or was
     * refused): the deploy engine took that canary away, and those on {@link #withdrawnCanaries()}, so the
     * revision's rollout ends before it starts.
     */
    public Optional<ClusterResult> failedCanary() {
        return clusters.stream()
                .filter(c -> c.outcome() == ClusterResult.Outcome.FAILED
                        && c.track().equals(Optional.of(dev.slipway.core.rollout.Track.CANARY)))
                .findFirst();
    }

    /**
     * The clusters where this deploy brought its canary up or tried to, in group order: the one where it failed,
     * those it withdrew, and any still up ({@link #canaryClusters()}: a withdrawal that failed).
     */
    public List<String> canaryAttempts() {
        Optional<String> failed = failedCanary().map(ClusterResult::cluster);
        List<String> up = canaryClusters();
        return clusters.stream()
                .map(ClusterResult::cluster)
                .filter(c -> failed.equals(Optional.of(c)) || withdrawnCanaries.contains(c) || up.contains(c))
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
