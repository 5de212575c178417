package dev.slipway.router;

import java.time.Instant;
import java.util.Optional;

/**
 * How fresh one source of a router's config is (a cluster it is fed from, a stage source), as the program
 * that feeds the router reports it with {@link Router#reportSources}. A stale source means the router serves
 * what it last learnt from it; {@code /healthz} says {@code degraded} and names it.
 *
 * @param staleSince empty while the source is up to date; else since when it is not
 * @param detail why it is stale (e.g. the connection error), empty when fresh
 */
public record SourceStatus(Optional<Instant> staleSince, String detail) {
    public SourceStatus {
        detail = detail == null ? "" : detail;
    }

    public static SourceStatus fresh() {
        return new SourceStatus(Optional.empty(), "");
    }

    public static SourceStatus stale(Instant since, String detail) {
        return new SourceStatus(Optional.of(since), detail);
    }

    public boolean isStale() {
        return staleSince.isPresent();
    }

    /** {@code ok}, or {@code stale since 2026-12-03T08:10:00Z: connection refused}. */
    public String describe() {
        return staleSince
                .map(since -> "stale since " + since + (detail.isEmpty() ? "" : ": " + detail))
                .orElse("ok");
    }
}
