package dev.slipway.store;

import java.time.Instant;
import java.util.Optional;

/** One CI context's verdict on one commit (e.g. {@code ci/build} on {@code acme/web@3f2c...}). */
public record CiStatus(
        String repo,
        String sha,
        String context,
        CiState state,
        Optional<String> targetUrl,
        Optional<String> description,
        String reportedBy,
        Instant updatedAt) {}
