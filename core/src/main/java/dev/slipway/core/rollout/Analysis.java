package dev.slipway.core.rollout;

import dev.slipway.core.spec.Durations;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How each step of a rollout is judged, on the routers' own numbers for the canary's requests. Every
 * {@code interval} the canary's requests of the last interval are checked: with fewer than
 * {@code minRequests} the check neither passes nor fails (the step waits); otherwise it fails when the error
 * rate (5xx, timeouts and connect failures) is above {@code maxErrorRate}, the p99 latency is above
 * {@code maxP99}, or the p99 is more than {@code maxP99Ratio} times stable's p99 in the same interval. A
 * failed check aborts the rollout. Every limit can be met: the constructor refuses ones that cannot.
 *
 * @param interval time between checks, and the window each check looks at; at least 1 s
 * @param minRequests canary requests a check needs before it can pass or fail, at least 1
 * @param maxErrorRate highest error rate that passes, as a fraction from 0 to 1 (1 % is 0.01)
 * @param maxP99 highest canary p99 latency that passes, from 1 ms to 1 m; empty means no absolute limit
 * @param maxP99Ratio highest canary p99 / stable p99 that passes, at least 1
 */
public record Analysis(
        Duration interval,
        int minRequests,
        BigDecimal maxErrorRate,
        Optional<Duration> maxP99,
        BigDecimal maxP99Ratio) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final int DEFAULT_MIN_REQUESTS = 100;
    public static final BigDecimal DEFAULT_MAX_ERROR_RATE = new BigDecimal("0.01");
    public static final BigDecimal DEFAULT_MAX_P99_RATIO = new BigDecimal("1.5");
    public static final int MAX_MIN_REQUESTS = 100_000_000;
    public static final BigDecimal MAX_P99_RATIO = new BigDecimal("1000");
    /** Shortest interval: every router is read once per interval, and shorter windows rarely hold minRequests. */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    /**
     * Lowest {@code maxP99}: the routers' latency buckets start at 1 ms, so the p99 they report is just under
     * 1 ms at best; a lower limit could never be met.
     */
    public static final Duration MIN_P99 = Duration.ofMillis(1);
    /** Highest {@code maxP99}: the routers' buckets end at about 65 s, so a higher limit could never be exceeded. */
    public static final Duration MAX_P99 = Duration.ofMinutes(1);

    /** What a rollout without {@code analysis:} is judged by (see docs/spec.md). */
    public static final Analysis DEFAULT = new Analysis(
            DEFAULT_INTERVAL, DEFAULT_MIN_REQUESTS, DEFAULT_MAX_ERROR_RATE, Optional.empty(), DEFAULT_MAX_P99_RATIO);

    public Analysis {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(maxErrorRate, "maxErrorRate");
        Objects.requireNonNull(maxP99, "maxP99");
        Objects.requireNonNull(maxP99Ratio, "maxP99Ratio");
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("interval must be at least " + MIN_INTERVAL + ", got " + interval);
        }
        if (minRequests < 1 || minRequests > MAX_MIN_REQUESTS) {
            throw new IllegalArgumentException("minRequests must be from 1 to " + MAX_MIN_REQUESTS);
        }
        if (maxErrorRate.signum() < 0 || maxErrorRate.compareTo(BigDecimal.ONE) > 0) {
            throw new IllegalArgumentException("maxErrorRate must be from 0 to 1, got " + maxErrorRate);
        }
        maxP99.ifPresent(p -> {
            if (p.compareTo(MIN_P99) < 0 || p.compareTo(MAX_P99) > 0) {
                throw new IllegalArgumentException("maxP99 must be from " + MIN_P99 + " to " + MAX_P99 + ", got " + p);
            }
        });
        if (maxP99Ratio.compareTo(BigDecimal.ONE) < 0 || maxP99Ratio.compareTo(MAX_P99_RATIO) > 0) {
            throw new IllegalArgumentException("maxP99Ratio must be from 1 to " + MAX_P99_RATIO);
        }
    }

    /** Whether {@code errors} out of {@code requests} is within {@link #maxErrorRate} (exact, no rounding). */
    public boolean errorRateWithin(long errors, long requests) {
        if (requests <= 0) {
            return true;
        }
        return BigDecimal.valueOf(errors).compareTo(maxErrorRate.multiply(BigDecimal.valueOf(requests))) <= 0;
    }

    /**
     * Whether a check can see {@link #minRequests} when the canary gets at most {@code perSecond} requests
     * per second: otherwise every check of such a step waits and the step never passes.
     */
    public boolean reachable(int perSecond) {
        return requestsPerInterval(perSecond) >= minRequests;
    }

    /** The most requests one interval can see at {@code perSecond} requests per second. */
    public long requestsPerInterval(int perSecond) {
        if (perSecond <= 0) {
            return 0;
        }
        // Past a century the product could overflow; no check waits that long anyway.
        if (interval.compareTo(Duration.ofDays(36_500)) > 0) {
            return Long.MAX_VALUE;
        }
        return Math.min(perSecond, RolloutStep.MAX_RPS) * interval.toMillis() / 1000;
    }

    /** {@link #maxErrorRate} as users write it, e.g. {@code 1%}, {@code 0.5%}. */
    public String maxErrorRatePercent() {
        return plain(maxErrorRate.movePointRight(2)) + "%";
    }

    /** One line for summaries, e.g. {@code every 10s, at least 100 requests: errors <= 1%, p99 <= 800ms}. */
    public String describe() {
        StringBuilder sb = new StringBuilder("every ")
                .append(Durations.format(interval))
                .append(" with at least ")
                .append(minRequests)
                .append(minRequests == 1 ? " request" : " requests")
                .append(": errors <= ")
                .append(maxErrorRatePercent());
        maxP99.ifPresent(p -> sb.append(", p99 <= ").append(Durations.format(p)));
        sb.append(", p99 <= ").append(plain(maxP99Ratio)).append("x stable");
        return sb.toString();
    }

    static String plain(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }
}
