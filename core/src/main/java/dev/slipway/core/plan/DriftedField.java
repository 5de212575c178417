package dev.slipway.core.plan;

import java.util.Objects;

/**
 * One field Slipway sets whose live value is no longer what Slipway applied: what {@code plan} and
 * {@code status} name when someone changed an object by hand.
 *
 * @param path where the field is, as the API server names fields, e.g. {@code .spec.replicas} or {@code
 *     .spec.template.spec.containers[name=web].image}
 * @param manager the field manager that owns the live value now (e.g. {@code kubectl-scale}), or "" when no
 *     manager claims it (the field was removed, or the cluster records no field ownership)
 * @param claimedByApplier the owner declared the field with server-side apply: a deliberate claim that only
 *     {@code --force-conflicts} takes over, unlike an imperative update ({@code kubectl scale}, {@code edit},
 *     {@code set image}) that a deploy simply repairs
 */
public record DriftedField(String path, String manager, boolean claimedByApplier) {
    public DriftedField {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(manager, "manager");
    }

    /** {@code .spec.replicas (kubectl-scale)}, or just the path when no manager owns the field now. */
    public String describe() {
        return manager.isEmpty() ? path : path + " (" + manager + ")";
    }
}
