package dev.slipway.core.revision;

import dev.slipway.core.rollout.Track;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * @param release the group deploy (or rollback) this revision belongs to, the same on every cluster it reached
 *     ({@link Releases}); "" for revisions recorded before Slipway kept releases
 * @param track in an environment with a rollout, the track this revision wrote: {@code stable} (a first deploy,
 *     a promotion, an abort putting stable's shared objects back) or {@code canary} (the new revision beside
 *     stable; its objects are both tracks' as that revision renders them); empty when deployed in place
 */
public record RevisionSummary(
        int number,
        String ref,
        String who,
        Instant when,
        RevisionOutcome outcome,
        OptionalInt rollbackOf,
        int objectCount,
        String failure,
        String release,
        Optional<Track> track) {
    public RevisionSummary {
        java.util.Objects.requireNonNull(failure, "failure");
        java.util.Objects.requireNonNull(release, "release");
        java.util.Objects.requireNonNull(track, "track");
    }

    public RevisionSummary(
            int number,
            String ref,
            String who,
            Instant when,
            RevisionOutcome outcome,
            OptionalInt rollbackOf,
            int objectCount,
            String failure,
            String release) {
        this(number, ref, who, when, outcome, rollbackOf, objectCount, failure, release, Optional.empty());
    }

    public RevisionSummary(
            int number,
            String ref,
            String who,
            Instant when,
            RevisionOutcome outcome,
            OptionalInt rollbackOf,
            int objectCount,
            String failure) {
        this(number, ref, who, when, outcome, rollbackOf, objectCount, failure, "");
    }

    public RevisionSummary(
            int number,
            String ref,
            String who,
            Instant when,
            RevisionOutcome outcome,
            OptionalInt rollbackOf,
            int objectCount) {
        this(number, ref, who, when, outcome, rollbackOf, objectCount, "", "");
    }

    /** The same summary as part of {@code id}'s release. */
    public RevisionSummary withRelease(String id) {
        return new RevisionSummary(number, ref, who, when, outcome, rollbackOf, objectCount, failure, id, track);
    }

    /** The same summary, as a revision of {@code t}. */
    public RevisionSummary onTrack(Track t) {
        return new RevisionSummary(
                number, ref, who, when, outcome, rollbackOf, objectCount, failure, release, Optional.of(t));
    }

    /** Whether this revision wrote the canary track. */
    public boolean canary() {
        return track.equals(Optional.of(Track.CANARY));
    }

    /** {@code revision 7 (release 3f9a0c12ab44, ref v1.1)}: which revision, and of what, for rollback plans. */
    public String identify() {
        List<String> parts = new ArrayList<>();
        if (!release.isEmpty()) {
            parts.add("release " + release);
        }
        if (!ref.isEmpty()) {
            parts.add("ref " + ref);
        }
        if (outcome == RevisionOutcome.FAILED) {
            parts.add("failed");
        }
        return "revision " + number + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
    }

    /** One line for terminals, e.g. {@code 7  2026-11-23T10:00:00Z  succeeded  alice  release 3f9a0c12ab44  ref main (rollback of 5)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder()
                .append(number)
                .append("  ")
                .append(when)
                .append("  ")
                .append(outcome.label())
                .append("  ")
                .append(who);
        track.ifPresent(t -> sb.append("  ").append(t.label()));
        if (!release.isEmpty()) {
            sb.append("  release ").append(release);
        }
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
