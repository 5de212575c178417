package dev.slipway.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A review lab: one branch of one app deployed into its own namespace until {@code expiresAt} (last deploy + TTL,
 * or later if extended).
 */
public record LabRecord(
        long id,
        String app,
        String branch,
        String slug,
        String namespace,
        String ref,
        String createdBy,
        Instant createdAt,
        Instant lastDeployAt,
        Duration ttl,
        Instant expiresAt,
        LabState state,
        Optional<String> claimedBy,
        int reapAttempts,
        Optional<String> lastError,
        Optional<Instant> deletedAt) {}
