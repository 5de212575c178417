package dev.slipway.core.revision;

/** How a recorded deploy to one cluster ended; history shows it and rollback skips failed revisions. */
public enum RevisionOutcome {
    /** Every object was applied and became healthy. */
    SUCCEEDED,
    /** Objects were (partly) applied but an apply was rejected or an object did not become healthy in time. */
    FAILED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
