package dev.slipway.core.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** What the cluster said to one server-side apply; failures are values, so the engine can name them. */
public sealed interface ApplyResult {

    static ApplyResult applied(ObjectNode live) {
        return new Applied(live);
    }

    static ApplyResult conflict(List<FieldConflict> conflicts) {
        return new Conflict(List.copyOf(conflicts));
    }

    static ApplyResult rejected(String reason) {
        return new Rejected(reason);
    }

    /** The object as the API server stored it. */
    record Applied(ObjectNode live) implements ApplyResult {}

    /** Fields owned by other managers (HTTP 409); nothing was changed. */
    record Conflict(List<FieldConflict> conflicts) implements ApplyResult {}

    /** The API server refused the object (invalid, forbidden, unknown kind, ...). */
    record Rejected(String reason) implements ApplyResult {}
}
