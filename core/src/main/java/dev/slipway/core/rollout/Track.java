package dev.slipway.core.rollout;

import java.util.Locale;
import java.util.Optional;

/**
 * The two tracks of an environment with a rollout: {@code stable} serves, {@code canary} runs the new revision
 * beside it until it is promoted or aborted. Objects are told apart by the {@code slipway.dev/track} label (its
 * value is {@link #label()}) and, for the canary's workloads and Services, by a {@code -canary} name suffix.
 */
public enum Track {
    STABLE,
    CANARY;

    /** The label key that says which track an object belongs to. */
    public static final String LABEL = "slipway.dev/track";

    /** The value of {@link #LABEL}: {@code stable} or {@code canary}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The track a label value names, if any. */
    public static Optional<Track> ofLabel(String value) {
        for (Track t : values()) {
            if (t.label().equals(value)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
