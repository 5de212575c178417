package dev.slipway.router;

import dev.slipway.router.RouterConfig.RetryPolicy;
import java.time.Clock;

/**
 * Caps retries to a share of requests plus a small steady allowance, so a failing backend gets a bounded
 * amount of extra load instead of a retry storm. One budget per event loop (see
 * {@link ProxyRuntime#retryBudget()}), touched only by its loop, so it needs no lock; the steady allowance is
 * split across the loops so the router as a whole keeps to {@code minPerSecond}.
 */
final class RetryBudget {
    private static final long UNIT = 100;
    private final RetryPolicy policy;
    private final Clock clock;
    private final long perRequest;
    private final long perSecond;
    private final long capacity;
    private long tokens;
    private long lastMillis;

    RetryBudget(RetryPolicy policy, int loops, Clock clock) {
        this.policy = policy;
        this.clock = clock;
        this.perRequest = policy.budgetPercent();
        this.perSecond = policy.minRetriesPerSecond() * UNIT / Math.max(1, loops);
        // Enough room for a burst of ten seconds' worth of the allowance plus requests' deposits.
        this.capacity = Math.max(perSecond * 10, 100 * UNIT);
        this.tokens = perSecond;
        this.lastMillis = clock.millis();
    }

    RetryPolicy policy() {
        return policy;
    }

    void onRequest() {
        refill();
        tokens = Math.min(capacity, tokens + perRequest);
    }

    boolean tryRetry() {
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
