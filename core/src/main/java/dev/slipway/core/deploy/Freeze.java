package dev.slipway.core.deploy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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
     * When a freeze asked for at {@code now} ends: {@code now + lasting}, or {@code until} (UTC, ISO-8601), else
     * never (until lifted) — one reading for the command line, the API and chat.
     *
     * @param forField how the caller names the duration ({@code --for}, {@code for}), for the problem
     * @param untilField how the caller names the end ({@code --until}, {@code until})
     * @throws InvalidInputException when both are given, the duration is not positive, or {@code until} is not a
     *     time in the future
     */
    public static Optional<Instant> end(
            Optional<java.time.Duration> lasting,
            Optional<String> until,
            Instant now,
            String forField,
            String untilField) {
        if (lasting.isPresent() && until.isPresent()) {
            throw new InvalidInputException(new Problem(
                    forField + " and " + untilField, "give either one end or the other, not both", "name one end"));
        }
        if (lasting.isPresent()) {
            if (lasting.get().isZero() || lasting.get().isNegative()) {
                throw new InvalidInputException(
                        new Problem(forField, "must be a positive duration", "write it like 2h or 3d"));
            }
            return Optional.of(now.plus(lasting.get()));
        }
        if (until.isEmpty()) {
            return Optional.empty();
        }
        String shown = until.get().length() > 80 ? until.get().substring(0, 80) + "..." : until.get();
        Instant end;
        try {
            end = Instant.parse(until.get());
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(new Problem(
                    untilField + " " + shown, "is not a time", "write it in UTC like 2026-12-24T18:00:00Z"));
        }
        if (!end.isAfter(now)) {
            throw new InvalidInputException(new Problem(
                    untilField + " " + shown,
                    "is not in the future",
                    "give a later time, or " + forField + " a duration"));
        }
        return Optional.of(end);
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
