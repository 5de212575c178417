package dev.slipway.local;

import java.util.Optional;

/**
 * What one replica is doing right now, for the status table and for the router's endpoint list.
 *
 * @param id which replica
 * @param port the port it was given in {@code PORT} (0 before the first start)
 * @param phase where it is in its lifecycle
 * @param restarts how many times it was restarted after a crash or failed health checks
 * @param problem why it is not ready, in words a user can act on
 * @param pid the process (and process group) id, 0 when no process runs
 */
public record ReplicaStatus(ReplicaId id, int port, Phase phase, int restarts, Optional<String> problem, long pid) {

    /** A replica's lifecycle. */
    public enum Phase {
        /** Started, its health path has not answered 2xx yet. */
        STARTING,
        /** Answering its health path; gets traffic. */
        READY,
        /** Crashed or failed its checks; waiting for the next restart. */
        BACKOFF,
        /** Being stopped (SIGTERM sent). */
        STOPPING,
        /** No process and none will be started. */
        STOPPED
    }

    public boolean ready() {
        return phase == Phase.READY;
    }
}
