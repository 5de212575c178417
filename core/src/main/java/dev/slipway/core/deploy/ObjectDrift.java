package dev.slipway.core.deploy;

import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.DriftedField;
import java.util.List;

/**
 * An object of the current revision that someone changed live, as {@code status} shows it.
 *
 * @param ref the object
 * @param fields the fields that no longer hold what Slipway applied (paths of a Secret's fields are never
 *     shown: see {@link StatusDocument})
 */
public record ObjectDrift(ObjectRef ref, List<DriftedField> fields) {
    public ObjectDrift {
        fields = List.copyOf(fields);
    }
}
