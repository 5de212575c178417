package dev.slipway.rollout.controller;

import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.rollout.RolloutStep;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything about one environment's rollout that must outlive the process running it: the revision, the
 * spec it started with (a later edit of slipway.yaml does not change a rollout under way), and each cluster's
 * part in the group's order.
 *
 * @param key the app and environment
 * @param revision the revision being rolled out, as the deploy named it
 * @param spec the steps, analysis and cluster order
 * @param startedAt when it started (or was last retried)
 * @param startedBy who started it
 * @param clusters each cluster's part, in the group's order
 * @param down clusters reported unhealthy, which pause the rollout until they are healthy again
 */
public record RolloutState(
        RolloutKey key,
        String revision,
        RolloutSpec spec,
        Instant startedAt,
        String startedBy,
        List<ClusterRollout> clusters,
        Set<String> down) {

    public RolloutState {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(revision, "revision");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(startedBy, "startedBy");
        clusters = List.copyOf(clusters);
        down = Set.copyOf(new TreeSet<>(down));
        if (clusters.isEmpty()) {
            throw new IllegalArgumentException("a rollout needs at least one cluster");
        }
        if (clusters.stream().map(ClusterRollout::cluster).distinct().count() != clusters.size()) {
            throw new IllegalArgumentException("a cluster appears twice in a rollout");
        }
        for (ClusterRollout c : clusters) {
            if (c.step() >= spec.steps().size()) {
                throw new IllegalArgumentException("cluster " + c.cluster() + " is past the last step");
            }
        }
    }

    public Optional<ClusterRollout> cluster(String name) {
        return clusters.stream().filter(c -> c.cluster().equals(name)).findFirst();
    }

    /** Whether every cluster is finished (promoted, aborted or failed). */
    public boolean finished() {
        return clusters.stream().allMatch(c -> c.status().finished());
    }

    /**
     * Whether nothing more happens unless someone acts: every cluster finished (promoted, aborted or failed)
     * and no call to the tracks still owed.
     */
    public boolean settled() {
        return clusters.stream().allMatch(c -> c.status().finished() && c.work() == Work.NONE);
    }

    /** Whether every cluster is promoted: the new revision is stable everywhere. */
    public boolean promoted() {
        return clusters.stream().allMatch(c -> c.status() == ClusterStatus.PROMOTED);
    }

    /** The step a cluster is in. */
    public RolloutStep step(ClusterRollout c) {
        return spec.steps().get(c.step());
    }

    RolloutState with(ClusterRollout changed) {
        List<ClusterRollout> next = new ArrayList<>(clusters.size());
        boolean found = false;
        for (ClusterRollout c : clusters) {
            if (c.cluster().equals(changed.cluster())) {
                next.add(changed);
                found = true;
            } else {
                next.add(c);
            }
        }
        if (!found) {
            throw new IllegalArgumentException("no cluster " + changed.cluster() + " in rollout " + key);
        }
        return new RolloutState(key, revision, spec, startedAt, startedBy, next, down);
    }

    RolloutState withDown(Set<String> clustersDown) {
        return new RolloutState(key, revision, spec, startedAt, startedBy, clusters, clustersDown);
    }

    RolloutState restarted(Instant at, String by, List<ClusterRollout> next) {
        return new RolloutState(key, revision, spec, at, by, next, down);
    }
}
