package dev.slipway.core.deploy;

/**
 * A field another field manager owns with a different value; server-side apply refuses to take it unless
 * forced.
 *
 * @param manager the other field manager (e.g. {@code kubectl-edit}, {@code hpa-controller})
 * @param field the field path as the API server reports it (e.g. {@code .spec.replicas})
 */
public record FieldConflict(String manager, String field) {
    @Override
    public String toString() {
        return field + " (owned by " + manager + ")";
    }
}
