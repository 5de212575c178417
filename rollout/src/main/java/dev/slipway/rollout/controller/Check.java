package dev.slipway.rollout.controller;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One analysis check of a window of the canary's requests, with the numbers it was judged on, as status
 * shows it and the audit log records it.
 *
 * @param at when the window ended
 * @param window how long the window was
 * @param requests canary requests in the window
 * @param errors of them: 5xx, timeouts and connect failures
 * @param canaryP99 the canary's p99 latency in the window (zero without requests)
 * @param stableRequests stable's requests in the same window and clusters
 * @param stableErrors of them: 5xx, timeouts and connect failures (what the charts set beside the canary's)
 * @param stableP99 stable's p99 in the same window (zero without requests)
 * @param verdict what the check concluded
 * @param reason why, in words with the numbers
 */
public record Check(
        Instant at,
        Duration window,
        long requests,
        long errors,
        Duration canaryP99,
        long stableRequests,
        long stableErrors,
        Duration stableP99,
        Verdict verdict,
        String reason) {
    public Check {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(canaryP99, "canaryP99");
        Objects.requireNonNull(stableP99, "stableP99");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(reason, "reason");
    }

    /** A check that could not judge, e.g. the first reading of a window. */
    static Check waiting(Instant at, String reason) {
        return new Check(at, Duration.ZERO, 0, 0, Duration.ZERO, 0, 0, Duration.ZERO, Verdict.WAIT, reason);
    }

    /** The canary's error rate in the window, 0 without requests. */
    public double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }

    /** Stable's error rate in the same window, 0 without requests. */
    public double stableErrorRate() {
        return stableRequests == 0 ? 0 : (double) stableErrors / stableRequests;
    }

    /** Whether the check read a window of numbers (a check that could not read the routers did not). */
    public boolean measured() {
        return !window.isZero();
    }
}
