package dev.slipway.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.revision.RevisionSummary;
import java.util.Locale;

/** JSON shapes shared by several commands, so scripts see one format for a revision or a failure. */
final class Json {
    private Json() {}

    static ObjectNode revision(RevisionSummary r) {
        ObjectNode node = Output.object();
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
        return node;
    }

    static ObjectNode failure(ClusterFailure f) {
        ObjectNode node = Output.object();
        node.put("cluster", f.cluster());
        node.put("reason", f.reason().name().toLowerCase(Locale.ROOT));
        f.object().ifPresent(o -> node.put("object", o.toString()));
        node.put("message", f.message());
        node.put("hint", f.hint());
        return node;
    }
}
