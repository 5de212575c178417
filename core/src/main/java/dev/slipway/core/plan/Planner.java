package dev.slipway.core.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.Labels;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.revision.Revision;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Compares what one cluster should hold with what it holds. Pure: the caller fetches live objects, so the
 * same rules serve {@code plan}, {@code deploy} and every backend.
 */
public final class Planner {
    private Planner() {}

    /**
     * @param cluster cluster name
     * @param namespace the environment's namespace
     * @param namespaceExists whether the namespace is already there
     * @param app app name (ownership label value)
     * @param environment environment name (ownership label value)
     * @param desired objects to apply, already stamped with {@link AppliedHash}, in apply order
     * @param live live objects by ref; a missing key means the object does not exist
     * @param previous the newest recorded revision, whose objects are prune candidates and the clean base of
     *     diffs
     */
    public static ClusterPlan plan(
            String cluster,
            String namespace,
            boolean namespaceExists,
            String app,
            String environment,
            List<ObjectNode> desired,
            Map<ObjectRef, ObjectNode> live,
            Optional<Revision> previous) {
        return plan(cluster, namespace, namespaceExists, app, environment, desired, live, previous, Map.of());
    }

    /**
     * As {@link #plan(String, String, boolean, String, String, List, Map, Optional)}, with the drift the
     * backend found in live objects: an object the app did not change but that drifted is planned for repair.
     *
     * @param drift by ref, for live objects whose fields no longer hold what Slipway applied
     */
    public static ClusterPlan plan(
            String cluster,
            String namespace,
            boolean namespaceExists,
            String app,
            String environment,
            List<ObjectNode> desired,
            Map<ObjectRef, ObjectNode> live,
            Optional<Revision> previous,
            Map<ObjectRef, Drift> drift) {
        List<PlannedChange> changes = new ArrayList<>();
        Set<ObjectRef> declared = new LinkedHashSet<>();
        for (ObjectNode object : desired) {
            ObjectRef ref = ObjectRef.of(object);
            declared.add(ref);
            ObjectNode current = live.get(ref);
            if (current == null) {
                changes.add(PlannedChange.create(ref));
            } else if (AppliedHash.recorded(current).equals(AppliedHash.recorded(object))) {
                Drift drifted = drift.get(ref);
                changes.add(
                        drifted == null
                                ? PlannedChange.unchanged(ref)
                                : PlannedChange.drifted(
                                        ref,
                                        PlannedChange.isSecret(ref)
                                                ? ""
                                                : YamlDiff.between(drifted.live(), object, displayName(ref)),
                                        drifted.fields()));
            } else {
                List<DriftedField> drifted =
                        drift.containsKey(ref) ? drift.get(ref).fields() : List.of();
                if (PlannedChange.isSecret(ref)) {
                    changes.add(PlannedChange.update(ref, "", drifted));
                } else {
                    ObjectNode base = previousVersion(previous, ref, current).orElse(current);
                    changes.add(PlannedChange.update(ref, YamlDiff.between(base, object, displayName(ref)), drifted));
                }
            }
        }
        for (ObjectRef candidate : pruneCandidates(previous)) {
            if (declared.contains(candidate)) {
                continue;
            }
            ObjectNode current = live.get(candidate);
            if (current != null && ownedBy(current, app, environment)) {
                changes.add(PlannedChange.prune(candidate));
            }
        }
        OptionalInt revision = previous.map(r -> OptionalInt.of(r.number())).orElse(OptionalInt.empty());
        return new ClusterPlan(cluster, namespace, namespaceExists, revision, changes);
    }

    /** Objects a deploy may have to prune: those the newest revision applied. */
    public static List<ObjectRef> pruneCandidates(Optional<Revision> previous) {
        return previous.map(r -> r.objects().stream().map(ObjectRef::of).toList())
                .orElse(List.of());
    }

    /** Prune only ever deletes objects carrying both ownership labels of this app and environment. */
    public static boolean ownedBy(JsonNode live, String app, String environment) {
        JsonNode labels = live.path("metadata").path("labels");
        return app.equals(labels.path(Labels.APP).asText(null))
                && environment.equals(labels.path(Labels.ENV).asText(null));
    }

    /**
     * The object as Slipway last applied it, when the live object still carries that version's hash: diffing
     * against it shows the user's change without the fields the API server defaulted.
     */
    private static Optional<ObjectNode> previousVersion(Optional<Revision> previous, ObjectRef ref, ObjectNode live) {
        Optional<String> liveHash = AppliedHash.recorded(live);
        if (previous.isEmpty() || liveHash.isEmpty()) {
            return Optional.empty();
        }
        return previous.get().objects().stream()
                .filter(o -> ObjectRef.of(o).equals(ref))
                .filter(o -> AppliedHash.recorded(o).equals(liveHash))
                .findFirst();
    }

    private static String displayName(ObjectRef ref) {
        return ref.kind().toLowerCase(java.util.Locale.ROOT) + "/" + ref.name();
    }
}
