package dev.slipway.core.deploy;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A deploy freeze of one environment: nobody deploys or rolls back while it holds, whatever path they take (the
 * CLI straight to the clusters, a server, chat), because it is kept on every cluster of the group beside the
 * deploy lock and the deploy engine reads it there before writing anything. Only a deploy that names an override
 * reason goes through, once.
 *
 * @param by who froze it
 * @param reason why, in their words
 * @param since when it was set
 * @param until when it ends by itself; empty: until someone unfreezes it
 */
public record Freeze(String by, String reason, Instant since, Optional<Instant> until) {
    public Freeze {
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(until, "until");
        if (until.isPresent() && !until.get().isAfter(since)) {
            throw new IllegalArgumentException("a freeze must end after it starts");
        }
    }

    /**
     * Whether it holds at {@code now}: not yet ended. Set is set, whatever {@code since} says: a deploying
     * machine whose clock is behind the freezer's must not slip through before its clock catches up.
     */
    public boolean holdsAt(Instant now) {
        return until.map(now::isBefore).orElse(true);
    }

    /** {@code frozen by alice until 2026-12-04T18:00:00Z: release week} (or {@code until unfrozen}). */
    public String describe() {
        return "frozen by " + by + " " + until.map(u -> "until " + u).orElse("until someone unfreezes it") + ": "
                + reason;
    }
}
