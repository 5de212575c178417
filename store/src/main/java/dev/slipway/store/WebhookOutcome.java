package dev.slipway.store;

import java.time.Instant;

/** What became of a CI status a webhook delivered: taken, or refused as a replay or as older than the one kept. */
public sealed interface WebhookOutcome {

    /** The status is now the commit's status for its context. */
    record Stored(CiStatus status) implements WebhookOutcome {}

    /** This delivery id was taken before (at {@code firstReceivedAt}); nothing changed. */
    record Replayed(String deliveryId, Instant firstReceivedAt) implements WebhookOutcome {}

    /** The stored status for the same commit and context was set later (or is this very status); it stands. */
    record Superseded(CiStatus kept, Instant keptReportedAt) implements WebhookOutcome {}
}
