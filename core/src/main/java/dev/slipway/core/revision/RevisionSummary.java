package dev.slipway.core.revision;

import java.time.Instant;
import java.util.OptionalInt;

/**
 * What history shows about one recorded revision: everything except the objects themselves, so listing
 * history never reads or prints secret contents.
 *
 * @param number 1-based, increasing per app/environment on each cluster
 * @param ref what was deployed (a git ref or commit), or "" when not given
 * @param who who deployed
 * @param when when the deploy finished
 * @param outcome how it ended
 * @param rollbackOf the revision this one re-applied, when it was a rollback
 * @param objectCount how many objects the revision holds
 * @param failure for a failed revision, what went wrong (the message the deploy reported), else ""
 */
public record RevisionSummary(
        int number,
        String ref,
        String who,
        Instant when,
        RevisionOutcome outcome,
        OptionalInt rollbackOf,
        int objectCount,
        String failure) {
    public RevisionSummary {
        java.util.Objects.requireNonNull(failure, "failure");
    }

    public RevisionSummary(
            int number,
            String ref,
            String who,
            Instant when,
            RevisionOutcome outcome,
            OptionalInt rollbackOf,
            int objectCount) {
        this(number, ref, who, when, outcome, rollbackOf, objectCount, "");
    }

    /** One line for terminals, e.g. {@code 7  2026-11-23T10:00:00Z  succeeded  alice  ref main (rollback of 5)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder()
                .append(number)
                .append("  ")
                .append(when)
                .append("  ")
                .append(outcome.label())
                .append("  ")
                .append(who);
        if (!ref.isEmpty()) {
            sb.append("  ref ").append(ref);
        }
        if (rollbackOf.isPresent()) {
            sb.append("  (rollback of ").append(rollbackOf.getAsInt()).append(')');
        }
        if (!failure.isEmpty()) {
            sb.append("  failed: ").append(failure);
        }
        return sb.toString();
    }
}
