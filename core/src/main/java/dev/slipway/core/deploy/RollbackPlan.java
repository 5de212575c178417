package dev.slipway.core.deploy;

import dev.slipway.core.revision.RevisionSummary;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a rollback is about to do on each cluster, told before the first write so the user sees one target for
 * the whole group: which revision each cluster is on, and which of its revisions it goes back to.
 *
 * @param release the release restored on every cluster
 * @param steps one per cluster, in group order
 */
public record RollbackPlan(String release, List<Step> steps) {
    public RollbackPlan {
        Objects.requireNonNull(release, "release");
        steps = List.copyOf(steps);
    }

    /**
     * One cluster's part.
     *
     * @param cluster the cluster
     * @param current its newest revision
     * @param target the revision whose objects it gets: of the release, or one holding the same objects
     * @param alreadyThere nothing to write: the cluster runs the target's objects, undrifted
     */
    public record Step(
            String cluster, Optional<RevisionSummary> current, RevisionSummary target, boolean alreadyThere) {
        /** {@code east-1: revision 7 (release 3f9a.., ref v1.1) → revision 5 (release 9e1b.., ref v1.0)}. */
        public String describe(String release) {
            String from = current.map(RevisionSummary::identify).orElse("nothing recorded");
            boolean sameRelease = target.release().equals(release);
            if (alreadyThere) {
                return cluster + ": " + from + " → already at release " + release
                        + (sameRelease ? "" : " (same objects)");
            }
            return cluster + ": " + from + " → " + target.identify()
                    + (sameRelease ? "" : ", the objects of release " + release);
        }
    }

    /** One line per cluster, as {@link Step#describe}. */
    public List<String> lines() {
        return steps.stream().map(s -> s.describe(release)).toList();
    }
}
