package dev.slipway.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A deploy as the server reports it ({@code GET /api/deploys/{id}}, the OpenAPI document's {@code Deploy}): a
 * rollout, rollback or lab deploy through the server's queue, and how far it got on each cluster.
 *
 * @param kind {@code deploy}, {@code rollback} or {@code lab}
 * @param state {@code queued}, {@code running}, {@code succeeded}, {@code failed} or {@code interrupted}
 * @param source where the request came from: {@code cli}, {@code api}, {@code ci}, {@code chat}, ...
 * @param ref what is deployed; for a rollback, the release it was asked to restore, if one was named
 * @param rollbackTo for a rollback, the revision number it was asked to restore, if one was named
 */
public record Deploy(
        long id,
        String app,
        String environment,
        String kind,
        String state,
        String requestedBy,
        String source,
        Instant createdAt,
        Optional<String> ref,
        Optional<Integer> rollbackTo,
        Optional<Long> labId,
        Optional<String> message,
        Optional<Long> resumes,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        List<DeployCluster> clusters,
        Optional<String> freezeOverride) {

    public Deploy {
        clusters = List.copyOf(clusters);
    }

    /** Whether nothing more happens to this deploy (it is neither queued nor running). */
    public boolean finished() {
        return !state.equals("queued") && !state.equals("running");
    }
}
