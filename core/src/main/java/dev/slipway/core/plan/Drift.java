package dev.slipway.core.plan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * How a live object departs from what Slipway applied, as a backend judges it with its own normalisation
 * (for Kubernetes: quantities, defaulted fields, list items by merge key), so the planner can show and
 * repair it without knowing the backend.
 *
 * @param fields the drifted fields, in the order they appear in the desired object; never empty
 * @param live the desired object with each drifted field replaced by its live value (removed when gone):
 *     the base of the plan's diff, which then shows only the drift
 */
public record Drift(List<DriftedField> fields, ObjectNode live) {
    public Drift {
        fields = List.copyOf(fields);
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("a drift has at least one field");
        }
        live = live.deepCopy();
    }

    /**
     * Whether re-applying may take the fields back: true unless another field manager claimed one of them with
     * server-side apply (then the API server reports a conflict, and only {@code --force-conflicts} resolves it).
     */
    public boolean repairable() {
        return fields.stream().noneMatch(DriftedField::claimedByApplier);
    }
}
