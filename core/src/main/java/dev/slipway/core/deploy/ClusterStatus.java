package dev.slipway.core.deploy;

import dev.slipway.core.revision.RevisionSummary;
import java.util.List;
import java.util.Optional;

/**
 * What {@code slipway status} shows for one cluster: the current revision and how its objects are doing.
 *
 * @param cluster cluster name
 * @param current newest recorded revision, if any
 * @param objects health of each object of the current revision, in apply order
 * @param unavailable why the cluster could not be read, if it could not
 */
public record ClusterStatus(
        String cluster,
        Optional<RevisionSummary> current,
        List<ObjectHealth> objects,
        Optional<ClusterFailure> unavailable) {
    public ClusterStatus {
        objects = List.copyOf(objects);
    }

    public static ClusterStatus of(String cluster, Optional<RevisionSummary> current, List<ObjectHealth> objects) {
        return new ClusterStatus(cluster, current, objects, Optional.empty());
    }

    public static ClusterStatus unavailable(ClusterFailure failure) {
        return new ClusterStatus(failure.cluster(), Optional.empty(), List.of(), Optional.of(failure));
    }

    public boolean healthy() {
        return unavailable.isEmpty() && objects.stream().allMatch(o -> o.state() == HealthState.HEALTHY);
    }
}
