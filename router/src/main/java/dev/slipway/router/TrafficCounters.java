package dev.slipway.router;

import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters behind one {@link TrafficCounts}: adders and bucket adders only, so recording a
 * request from any event loop takes no lock. A reading is not one atomic snapshot: a request being recorded
 * while it is read may show in some counters and not yet in others, and shows in all by the next reading.
 */
final class TrafficCounters {
    static final int OK = 0;
    static final int TIMEOUT = 1;
    static final int CONNECT_FAILURE = 2;

    private final LongAdder requests = new LongAdder();
    private final LongAdder serverErrors = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder[] buckets = new LongAdder[LatencyHistogram.BUCKETS];

    TrafficCounters() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** Counts one answered request: {@code failure} is {@link #OK}, {@link #TIMEOUT} or {@link #CONNECT_FAILURE}. */
    void record(int status, int failure, long nanos) {
        buckets[LatencyHistogram.bucketOf(nanos)].increment();
        if (failure == TIMEOUT) {
            timeouts.increment();
        } else if (failure == CONNECT_FAILURE) {
            connectFailures.increment();
        } else if (status >= 500) {
            serverErrors.increment();
        }
        requests.increment();
    }

    TrafficCounts read() {
        long[] counts = new long[buckets.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets[i].sum();
        }
        return new TrafficCounts(
                requests.sum(), serverErrors.sum(), timeouts.sum(), connectFailures.sum(), LatencyHistogram.of(counts));
    }
}
