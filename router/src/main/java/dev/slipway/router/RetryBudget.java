package dev.slipway.router;

import dev.slipway.router.RouterConfig.RetryPolicy;
import java.time.Clock;

/**
 * Caps retries to a share of requests plus a small steady allowance, so a failing backend gets a bounded
 * amount of extra load instead of a retry storm.
 */
final class RetryBudget {
    private static final long UNIT = 100;
    private final Clock clock;
    private final long perRequest;
    private final long perSecond;
    private final long capacity;
    private long tokens;
    private long lastMillis;

    RetryBudget(RetryPolicy policy, Clock clock) {
        this.clock = clock;
        this.perRequest = policy.budgetPercent();
        this.perSecond = policy.minRetriesPerSecond() * UNIT;
        // Enough room for a burst of ten seconds' worth of the allowance plus requests' deposits.
        this.capacity = Math.max(perSecond * 10, 100 * UNIT);
        this.tokens = perSecond;
        this.lastMillis = clock.millis();
    }

    synchronized void onRequest() {
        refill();
        tokens = Math.min(capacity, tokens + perRequest);
    }

    synchronized boolean tryRetry() {
        refill();
        if (tokens >= UNIT) {
            tokens -= UNIT;
            return true;
        }
        return false;
    }

    private void refill() {
        long now = clock.millis();
        long elapsed = now - lastMillis;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * perSecond / 1000);
            lastMillis = now;
        }
    }
}
