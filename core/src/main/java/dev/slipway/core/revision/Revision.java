package dev.slipway.core.revision;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

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
 * @param releaseContents what this revision's release put on each cluster of its group (cluster → {@link
 *     Releases#contentOf content fingerprint}), so a rollback can tell that a cluster which recorded nothing for
 *     the release (it had nothing to change) holds the release's objects all the same; empty for revisions
 *     recorded before Slipway kept releases
 */
public record Revision(
        String app,
        String environment,
        String cluster,
        RevisionSummary summary,
        List<ObjectNode> objects,
        Map<String, String> releaseContents) {
    public Revision {
        objects = objects.stream().map(ObjectNode::deepCopy).toList();
        releaseContents = Collections.unmodifiableMap(new TreeMap<>(releaseContents));
    }

    public Revision(String app, String environment, String cluster, RevisionSummary summary, List<ObjectNode> objects) {
        this(app, environment, cluster, summary, objects, Map.of());
    }

    public String release() {
        return summary.release();
    }

    /** This revision as part of release {@code id}, whose group received {@code contents}. */
    public Revision withRelease(String id, Map<String, String> contents) {
        return new Revision(app, environment, cluster, summary.withRelease(id), objects, contents);
    }

    /** The same revision, recorded as a revision of {@code t}. */
    public Revision onTrack(dev.slipway.core.rollout.Track t) {
        return new Revision(app, environment, cluster, summary.onTrack(t), objects, releaseContents);
    }

    /** The same revision holding {@code only} instead of its objects (what one track of it applied). */
    public Revision holding(List<ObjectNode> only) {
        return new Revision(app, environment, cluster, summary, only, releaseContents);
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
