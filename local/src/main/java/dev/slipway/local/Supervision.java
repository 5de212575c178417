package dev.slipway.local;

import java.time.Duration;

/**
 * How replicas are watched and restarted; the same knobs a Kubernetes Deployment's probes and restart policy
 * have, with defaults suited to a laptop. Tests shorten them.
 *
 * @param grace time between SIGTERM and SIGKILL when stopping a replica
 * @param startTimeout how long a new replica may take to answer its health path with 2xx
 * @param probeInterval time between health checks of a replica
 * @param probeTimeout how long one health check may take
 * @param failureThreshold consecutive failed checks of a ready replica before it is restarted
 * @param backoffInitial wait before the first restart after a crash; doubles on each further crash
 * @param backoffMax the longest wait between restarts
 */
public record Supervision(
        Duration grace,
        Duration startTimeout,
        Duration probeInterval,
        Duration probeTimeout,
        int failureThreshold,
        Duration backoffInitial,
        Duration backoffMax) {

    /** Defaults: 10 s grace, 60 s to start, checks every second, restart after 3 failures, backoff 1 s to 30 s. */
    public static final Supervision DEFAULT = new Supervision(
            Duration.ofSeconds(10),
            Duration.ofSeconds(60),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            3,
            Duration.ofSeconds(1),
            Duration.ofSeconds(30));

    /** The wait before restart number {@code crashes} (1-based): initial * 2^(crashes-1), capped. */
    public Duration backoff(int crashes) {
        Duration d = backoffInitial;
        for (int i = 1; i < crashes && d.compareTo(backoffMax) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(backoffMax) > 0 ? backoffMax : d;
    }
}
