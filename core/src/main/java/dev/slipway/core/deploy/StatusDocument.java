package dev.slipway.core.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.DriftedField;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.revision.RevisionSummary;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON of an environment's live status, one shape for {@code slipway status -o json} and the server's
 * {@code GET .../status}, so scripts and the CLI read the same fields either way. Secret names never appear.
 */
public final class StatusDocument {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusDocument() {}

    public static ObjectNode of(EnvironmentTarget target, List<ClusterStatus> statuses) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("app", target.app());
        doc.put("environment", target.environment());
        doc.put("namespace", target.namespace());
        doc.put("group", target.group().name());
        doc.put("healthy", statuses.stream().allMatch(ClusterStatus::healthy));
        doc.put("drifted", statuses.stream().anyMatch(ClusterStatus::isDrifted));
        ArrayNode clusters = doc.putArray("clusters");
        for (ClusterStatus s : statuses) {
            ObjectNode c = clusters.addObject();
            c.put("cluster", s.cluster());
            c.put("healthy", s.healthy());
            c.put("drifted", s.isDrifted());
            s.unavailable().ifPresent(f -> c.set("unavailable", failure(f)));
            if (s.current().isPresent()) {
                c.set("revision", revision(s.current().get()));
            } else {
                c.putNull("revision");
            }
            Map<ObjectRef, ObjectDrift> drift = new HashMap<>();
            s.drifted().forEach(d -> drift.put(d.ref(), d));
            ArrayNode objects = c.putArray("objects");
            for (ObjectHealth o : s.objects()) {
                ObjectNode entry = objects.addObject();
                entry.put("kind", o.ref().kind());
                entry.put("group", o.ref().group());
                boolean secret = PlannedChange.isSecret(o.ref());
                if (secret) {
                    entry.put("secret", true);
                } else {
                    entry.put("name", o.ref().name());
                }
                entry.put("state", o.state().label());
                entry.put("message", o.message());
                ObjectDrift drifted = drift.get(o.ref());
                entry.put("drifted", drifted != null);
                if (drifted != null && !secret) {
                    // A Secret's field paths name its keys, which are user data: only the fact is shown.
                    ArrayNode fields = entry.putArray("drift");
                    for (DriftedField f : drifted.fields()) {
                        ObjectNode field = fields.addObject();
                        field.put("path", f.path());
                        field.put("manager", f.manager());
                    }
                }
            }
        }
        return doc;
    }

    public static ObjectNode revision(RevisionSummary r) {
        ObjectNode node = JSON.createObjectNode();
        node.put("number", r.number());
        node.put("ref", r.ref());
        node.put("who", r.who());
        node.put("when", r.when().toString());
        node.put("outcome", r.outcome().label());
        if (r.rollbackOf().isPresent()) {
            node.put("rollbackOf", r.rollbackOf().getAsInt());
        } else {
            node.putNull("rollbackOf");
        }
        node.put("objects", r.objectCount());
        if (r.release().isEmpty()) {
            node.putNull("release");
        } else {
            node.put("release", r.release());
        }
        // Only in environments with a rollout: which track the revision wrote.
        r.track().ifPresent(t -> node.put("track", t.label()));
        if (!r.failure().isEmpty()) {
            node.put("failure", r.failure());
        }
        return node;
    }

    public static ObjectNode failure(ClusterFailure f) {
        ObjectNode node = JSON.createObjectNode();
        node.put("cluster", f.cluster());
        node.put("reason", f.reason().name().toLowerCase(Locale.ROOT));
        f.object().ifPresent(o -> node.put("object", o.toString()));
        node.put("message", f.message());
        node.put("hint", f.hint());
        return node;
    }
}
