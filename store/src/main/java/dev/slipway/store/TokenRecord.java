package dev.slipway.store;

import java.time.Instant;
import java.util.Optional;

/** A bearer token as stored: its name and scope, never its secret (only a SHA-256 of it is kept). */
public record TokenRecord(
        long id,
        String name,
        Scope scope,
        String createdBy,
        Instant createdAt,
        Optional<Instant> lastUsedAt,
        Optional<Instant> revokedAt) {}
