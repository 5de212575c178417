package dev.slipway.core.deploy;

import dev.slipway.core.revision.RevisionSummary;
import java.util.List;
import java.util.Optional;

/**
 * The recorded revisions of one cluster, newest first, without their contents.
 *
 * @param cluster cluster name
 * @param revisions newest first
 * @param unavailable why the cluster could not be read, if it could not
 */
public record ClusterHistory(String cluster, List<RevisionSummary> revisions, Optional<ClusterFailure> unavailable) {
    public ClusterHistory {
        revisions = List.copyOf(revisions);
    }

    public static ClusterHistory of(String cluster, List<RevisionSummary> revisions) {
        return new ClusterHistory(cluster, revisions, Optional.empty());
    }

    public static ClusterHistory unavailable(ClusterFailure failure) {
        return new ClusterHistory(failure.cluster(), List.of(), Optional.of(failure));
    }
}
