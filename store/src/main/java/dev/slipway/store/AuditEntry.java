package dev.slipway.store;

import java.time.Instant;

/**
 * One recorded action: who did what to which target, from where, when. {@code details} is free text that callers
 * keep free of secret names and values.
 */
public record AuditEntry(
        long id, Instant at, String actor, String action, String target, RequestSource source, String details) {}
