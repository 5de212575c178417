package dev.slipway.core.revision;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;

/**
 * One deploy of an app/environment to one cluster, kept in the cluster itself so history and rollback need
 * no other database (the way Helm keeps releases).
 *
 * @param app app name
 * @param environment environment name
 * @param cluster cluster name
 * @param summary number, ref, who, when, outcome
 * @param objects the objects as Slipway applied them, in apply order (Secrets included: a revision is itself
 *     stored as a Secret, and is never printed)
 */
public record Revision(
        String app, String environment, String cluster, RevisionSummary summary, List<ObjectNode> objects) {
    public Revision {
        objects = objects.stream().map(ObjectNode::deepCopy).toList();
    }

    public int number() {
        return summary.number();
    }

    public RevisionOutcome outcome() {
        return summary.outcome();
    }

    /** A revision about to be recorded. */
    public static Revision of(
            String app,
            String environment,
            String cluster,
            int number,
            String ref,
            String who,
            Instant when,
            RevisionOutcome outcome,
            OptionalInt rollbackOf,
            List<ObjectNode> objects) {
        return of(app, environment, cluster, number, ref, who, when, outcome, rollbackOf, objects, "");
    }

    /** A revision about to be recorded, with what went wrong when it failed ("" otherwise). */
    public static Revision of(
            String app,
            String environment,
            String cluster,
            int number,
            String ref,
            String who,
            Instant when,
            RevisionOutcome outcome,
            OptionalInt rollbackOf,
            List<ObjectNode> objects,
            String failure) {
        return new Revision(
                app,
                environment,
                cluster,
                new RevisionSummary(number, ref, who, when, outcome, rollbackOf, objects.size(), failure),
                objects);
    }
}
