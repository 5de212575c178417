package dev.slipway.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The revisions one cluster recorded for an environment, newest first ({@code GET .../revisions}, the OpenAPI
 * document's {@code ClusterHistory}); each cluster keeps its own history, so one unreachable cluster does not hide
 * the others'.
 *
 * @param unavailable why the cluster's history could not be read, when it could not
 */
public record ClusterRevisions(String cluster, Optional<String> unavailable, List<Revision> revisions) {

    public ClusterRevisions {
        revisions = List.copyOf(revisions);
    }

    /**
     * One recorded revision.
     *
     * @param outcome {@code succeeded} or {@code failed}
     * @param objects how many objects it applied
     * @param rollbackOf the revision it re-applied, for a rollback
     * @param release the release (group deploy) it belongs to, the same on every cluster; absent for revisions
     *     recorded before release ids; {@code rollback --to RELEASE} takes it
     */
    public record Revision(
            int number,
            String ref,
            String who,
            Instant when,
            String outcome,
            int objects,
            Optional<Integer> rollbackOf,
            Optional<String> release) {}
}
