package dev.slipway.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A CI status as a reporter sent it, with the time the reporter says it was set and an order among statuses set
 * in the same millisecond (GitHub's status id; 0 when the reporter gives none).
 */
public record CiReport(
        String repo,
        String sha,
        String context,
        CiState state,
        Optional<String> targetUrl,
        Optional<String> description,
        String reportedBy,
        Instant reportedAt,
        long order) {

    public CiReport {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(sha, "sha");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(targetUrl, "targetUrl");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(reportedBy, "reportedBy");
        Objects.requireNonNull(reportedAt, "reportedAt");
    }
}
