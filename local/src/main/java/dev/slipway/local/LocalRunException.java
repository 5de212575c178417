package dev.slipway.local;

import java.util.List;

/**
 * Replicas did not become ready: each entry names the replica and why, in words a user can act on. Not an
 * input error as such (the spec may be fine and the program wrong), so it is its own type.
 */
public final class LocalRunException extends RuntimeException {
    private final List<String> replicas;

    public LocalRunException(List<String> replicas) {
        super(String.join("\n", replicas));
        this.replicas = List.copyOf(replicas);
    }

    /** One line per replica that is not ready. */
    public List<String> replicas() {
        return replicas;
    }
}
