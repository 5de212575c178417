package dev.slipway.router;

import java.time.Clock;

/**
 * Admits at most {@code perSecond} events per second with a burst of a tenth of a second; the clock is
 * injected so tests can drive time instead of waiting for it.
 */
final class TokenBucket {
    private static final long MICROS = 1_000_000L;
    private final Clock clock;
    private final long perSecond;
    private final long capacityMicros;
    private long tokensMicros;
    private long lastMillis;

    TokenBucket(int perSecond, Clock clock) {
        this.clock = clock;
        this.perSecond = perSecond;
        this.capacityMicros = Math.max(1, perSecond / 10) * MICROS;
        this.tokensMicros = capacityMicros;
        this.lastMillis = clock.millis();
    }

    int perSecond() {
        return (int) perSecond;
    }

    synchronized boolean tryTake() {
        long now = clock.millis();
        long elapsed = now - lastMillis;
        if (elapsed > 0) {
            tokensMicros = Math.min(capacityMicros, tokensMicros + elapsed * perSecond * (MICROS / 1000));
            lastMillis = now;
        }
        if (tokensMicros >= MICROS) {
            tokensMicros -= MICROS;
            return true;
        }
        return false;
    }
}
