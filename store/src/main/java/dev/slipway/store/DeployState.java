package dev.slipway.store;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a queued deploy. {@code INTERRUPTED} is what a server that died mid-deploy leaves behind once it (or
 * another server) notices; such a deploy can be resumed or rolled back by enqueueing a new one.
 */
public enum DeployState {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    INTERRUPTED;

    /** Whether nothing more happens to a deploy in this state. */
    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == INTERRUPTED;
    }

    /** The states a deploy may move to from this one. */
    public Set<DeployState> next() {
        return switch (this) {
            case QUEUED -> EnumSet.of(RUNNING, FAILED);
            case RUNNING -> EnumSet.of(SUCCEEDED, FAILED, INTERRUPTED);
            case SUCCEEDED, FAILED, INTERRUPTED -> EnumSet.noneOf(DeployState.class);
        };
    }
}
