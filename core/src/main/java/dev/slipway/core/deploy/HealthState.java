package dev.slipway.core.deploy;

/** Where one object stands on its way to serving. */
public enum HealthState {
    /** Ready (rollout complete, job succeeded, volume bound, endpoints ready, or nothing to wait for). */
    HEALTHY,
    /** Still rolling out; may become healthy. */
    PROGRESSING,
    /** Will not become healthy without a change (rollout deadline exceeded, job failed, ...). */
    FAILED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
