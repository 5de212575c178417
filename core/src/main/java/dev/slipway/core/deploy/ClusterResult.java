package dev.slipway.core.deploy;

import dev.slipway.core.plan.ClusterPlan;
import dev.slipway.core.rollout.Track;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a deploy (or rollback) went on one cluster.
 *
 * @param cluster cluster name
 * @param outcome deployed, unchanged, failed, or not started (an earlier cluster failed)
 * @param plan what was (to be) done, when the cluster was reached
 * @param revision the revision recorded (deployed/failed) or current (unchanged)
 * @param failure why it failed
 * @param track the track written, in an environment with a rollout (empty: deployed in place)
 */
public record ClusterResult(
        String cluster,
        Outcome outcome,
        Optional<ClusterPlan> plan,
        OptionalInt revision,
        Optional<ClusterFailure> failure,
        Optional<Track> track) {

    /** The closed set of per-cluster outcomes. */
    public enum Outcome {
        DEPLOYED,
        UNCHANGED,
        FAILED,
        NOT_STARTED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    public ClusterResult(
            String cluster,
            Outcome outcome,
            Optional<ClusterPlan> plan,
            OptionalInt revision,
            Optional<ClusterFailure> failure) {
        this(cluster, outcome, plan, revision, failure, Optional.empty());
    }

    public ClusterResult {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(track, "track");
        Objects.requireNonNull(outcome, "outcome");
        if ((outcome == Outcome.FAILED) != failure.isPresent()) {
            throw new IllegalArgumentException("a failure is given exactly when the outcome is FAILED");
        }
    }

    public static ClusterResult deployed(ClusterPlan plan, int revision) {
        return new ClusterResult(
                plan.cluster(), Outcome.DEPLOYED, Optional.of(plan), OptionalInt.of(revision), Optional.empty());
    }

    public static ClusterResult unchanged(ClusterPlan plan) {
        return new ClusterResult(
                plan.cluster(), Outcome.UNCHANGED, Optional.of(plan), plan.currentRevision(), Optional.empty());
    }

    public static ClusterResult failed(ClusterFailure failure, Optional<ClusterPlan> plan, OptionalInt revision) {
        return new ClusterResult(failure.cluster(), Outcome.FAILED, plan, revision, Optional.of(failure));
    }

    public static ClusterResult notStarted(String cluster) {
        return new ClusterResult(cluster, Outcome.NOT_STARTED, Optional.empty(), OptionalInt.empty(), Optional.empty());
    }

    /** The same result, for a write of {@code t}. */
    public ClusterResult on(Track t) {
        return new ClusterResult(cluster, outcome, plan, revision, failure, Optional.of(t));
    }

    public boolean succeeded() {
        return outcome == Outcome.DEPLOYED || outcome == Outcome.UNCHANGED;
    }
}
