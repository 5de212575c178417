package dev.slipway.router;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admits at most {@code perSecond} events per second with a burst of a tenth of a second; the clock is
 * injected so tests can drive time instead of waiting for it. Shared by every event loop of a route in the
 * {@code rps N} stage, so it takes no lock: the state is one "theoretical arrival time" (the generic cell
 * rate algorithm), moved forward by compare-and-set.
 */
final class TokenBucket {
    private static final long MICROS_PER_SECOND = 1_000_000L;
    private final Clock clock;
    private final long perSecond;
    // Time one event uses up, and how far ahead of now the arrival time may run (the burst).
    private final long intervalMicros;
    private final long burstMicros;
    private final AtomicLong arrivalMicros;

    TokenBucket(int perSecond, Clock clock) {
        this.clock = clock;
        this.perSecond = perSecond;
        // Above a million per second the bucket admits one per microsecond: the resolution of its clock.
        this.intervalMicros = Math.max(1, MICROS_PER_SECOND / perSecond);
        this.burstMicros = Math.max(1, perSecond / 10) * intervalMicros;
        // Starts full: the first burst is admitted at once.
        this.arrivalMicros = new AtomicLong(clock.millis() * 1000);
    }

    int perSecond() {
        return (int) perSecond;
    }

    boolean tryTake() {
        long now = clock.millis() * 1000;
        while (true) {
            long arrival = arrivalMicros.get();
            long next = Math.max(arrival, now) + intervalMicros;
            if (next - now > burstMicros) {
                return false;
            }
            if (arrivalMicros.compareAndSet(arrival, next)) {
                return true;
            }
        }
    }
}
