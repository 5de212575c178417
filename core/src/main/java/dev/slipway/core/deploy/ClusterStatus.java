package dev.slipway.core.deploy;

import dev.slipway.core.revision.RevisionSummary;
import java.util.List;
import java.util.Optional;

/**
 * What {@code slipway status} shows for one cluster: the current revision, how its objects are doing, and
 * which of them someone changed live.
 *
 * @param cluster cluster name
 * @param current newest recorded revision, if any
 * @param objects health of each object of the current revision, in apply order
 * @param unavailable why the cluster could not be read, if it could not
 * @param drifted objects of the current revision whose live fields no longer hold what Slipway applied
 */
public record ClusterStatus(
        String cluster,
        Optional<RevisionSummary> current,
        List<ObjectHealth> objects,
        Optional<ClusterFailure> unavailable,
        List<ObjectDrift> drifted) {
    public ClusterStatus {
        objects = List.copyOf(objects);
        drifted = List.copyOf(drifted);
    }

    public ClusterStatus(
            String cluster,
            Optional<RevisionSummary> current,
            List<ObjectHealth> objects,
            Optional<ClusterFailure> unavailable) {
        this(cluster, current, objects, unavailable, List.of());
    }

    public static ClusterStatus of(String cluster, Optional<RevisionSummary> current, List<ObjectHealth> objects) {
        return new ClusterStatus(cluster, current, objects, Optional.empty(), List.of());
    }

    public static ClusterStatus of(
            String cluster, Optional<RevisionSummary> current, List<ObjectHealth> objects, List<ObjectDrift> drifted) {
        return new ClusterStatus(cluster, current, objects, Optional.empty(), drifted);
    }

    public static ClusterStatus unavailable(ClusterFailure failure) {
        return new ClusterStatus(failure.cluster(), Optional.empty(), List.of(), Optional.of(failure), List.of());
    }

    /** Every object healthy. Drift does not make a cluster unhealthy: it serves, just not as deployed. */
    public boolean healthy() {
        return unavailable.isEmpty() && objects.stream().allMatch(o -> o.state() == HealthState.HEALTHY);
    }

    /** Whether someone changed an object of the current revision live; the next deploy repairs it. */
    public boolean isDrifted() {
        return !drifted.isEmpty();
    }
}
