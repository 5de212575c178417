package dev.slipway.store;

import java.util.Locale;
import java.util.Optional;

/** A commit status as GitHub names them; only {@code SUCCESS} lets a lab deploy through. */
public enum CiState {
    PENDING,
    SUCCESS,
    FAILURE,
    ERROR;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state called {@code name} (any case), if there is one. */
    public static Optional<CiState> parse(String name) {
        for (CiState state : values()) {
            if (state.name().equalsIgnoreCase(name)) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }
}
