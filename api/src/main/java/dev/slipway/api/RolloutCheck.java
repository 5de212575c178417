package dev.slipway.api;

import java.time.Instant;

/**
 * One analysis check of a canary's window of requests, with the numbers it was judged on.
 *
 * @param at when the window ended
 * @param windowMillis how long the window was
 * @param requests canary requests in the window
 * @param errors of them: 5xx, timeouts and connect failures
 * @param errorRate errors / requests (0 without requests)
 * @param canaryP99Millis the canary's p99 latency in the window
 * @param stableRequests stable's requests in the same window and clusters
 * @param stableP99Millis stable's p99 in the window
 * @param stableErrors stable's 5xx, timeouts and connect failures in the window
 * @param stableErrorRate stable's errors / requests (0 without requests)
 * @param verdict {@code pass}, {@code wait} or {@code breach}
 * @param reason why, in words with the numbers
 */
public record RolloutCheck(
        Instant at,
        long windowMillis,
        long requests,
        long errors,
        double errorRate,
        long canaryP99Millis,
        long stableRequests,
        long stableP99Millis,
        long stableErrors,
        double stableErrorRate,
        String verdict,
        String reason) {}
