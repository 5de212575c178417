package dev.slipway.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A deploy as the queue knows it, with what happened on each cluster so far. */
public record DeployRecord(
        long id,
        String app,
        String environment,
        DeployKind kind,
        Optional<String> ref,
        Optional<Integer> rollbackTo,
        Optional<Long> labId,
        DeployState state,
        String requestedBy,
        RequestSource source,
        Optional<String> owner,
        Optional<String> message,
        Optional<Long> resumes,
        Instant createdAt,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        List<ClusterProgress> clusters,
        Optional<String> freezeOverride) {

    public DeployRecord {
        clusters = List.copyOf(clusters);
    }

    /** Without a freeze override. */
    public DeployRecord(
            long id,
            String app,
            String environment,
            DeployKind kind,
            Optional<String> ref,
            Optional<Integer> rollbackTo,
            Optional<Long> labId,
            DeployState state,
            String requestedBy,
            RequestSource source,
            Optional<String> owner,
            Optional<String> message,
            Optional<Long> resumes,
            Instant createdAt,
            Optional<Instant> startedAt,
            Optional<Instant> finishedAt,
            List<ClusterProgress> clusters) {
        this(
                id,
                app,
                environment,
                kind,
                ref,
                rollbackTo,
                labId,
                state,
                requestedBy,
                source,
                owner,
                message,
                resumes,
                createdAt,
                startedAt,
                finishedAt,
                clusters,
                Optional.empty());
    }

    /** The request that would run this deploy again. */
    public DeployRequest request() {
        return new DeployRequest(
                app, environment, kind, ref, rollbackTo, labId, requestedBy, source, resumes, freezeOverride);
    }
}
