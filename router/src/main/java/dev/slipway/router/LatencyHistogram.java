package dev.slipway.router;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Request latencies counted in fixed buckets, the same for every router, so readings from several routers
 * add up and two readings of one router subtract into the latencies of the time between them. The buckets
 * are log-spaced, four per doubling, from 1 ms to about 65.5 s ({@link #BOUNDS_NANOS}), plus one for
 * anything slower: a quantile read from them is within one bucket (about 19 %) of the true value.
 * Immutable.
 */
public final class LatencyHistogram {
    /** Upper bounds of the buckets, inclusive, in nanoseconds: 1 ms × 2^(i/4) for i = 0..64. */
    static final long[] BOUNDS_NANOS = bounds();

    /** Number of buckets: one per bound and one for latencies above the last bound. */
    public static final int BUCKETS = BOUNDS_NANOS.length + 1;

    private static final LatencyHistogram EMPTY = new LatencyHistogram(new long[BUCKETS]);

    private final long[] counts;

    private LatencyHistogram(long[] counts) {
        this.counts = counts;
    }

    private static long[] bounds() {
        long[] b = new long[65];
        for (int i = 0; i < b.length; i++) {
            b[i] = Math.round(1_000_000d * Math.pow(2, i / 4d));
        }
        return b;
    }

    public static LatencyHistogram empty() {
        return EMPTY;
    }

    /**
     * A histogram of these bucket counts (copied).
     *
     * @throws IllegalArgumentException when the array is not {@link #BUCKETS} long or a count is negative
     */
    public static LatencyHistogram of(long[] counts) {
        if (counts.length != BUCKETS) {
            throw new IllegalArgumentException("a latency histogram has " + BUCKETS + " buckets, got " + counts.length);
        }
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("bucket counts cannot be negative");
            }
        }
        return new LatencyHistogram(counts.clone());
    }

    /** This histogram with {@code count} more latencies of {@code latency} (for sources other than a router). */
    public LatencyHistogram plus(Duration latency, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count cannot be negative");
        }
        long[] next = counts.clone();
        next[bucketOf(latency.toNanos())] += count;
        return new LatencyHistogram(next);
    }

    /** The bucket a latency of {@code nanos} falls in. */
    static int bucketOf(long nanos) {
        int i = Arrays.binarySearch(BOUNDS_NANOS, nanos);
        return i >= 0 ? i : -i - 1;
    }

    /** The upper bounds of the buckets in milliseconds (the last bucket has none), for JSON readers. */
    public static List<Double> boundsMillis() {
        return Arrays.stream(BOUNDS_NANOS).mapToObj(n -> n / 1_000_000d).toList();
    }

    /** The count of each bucket (a copy). */
    public long[] counts() {
        return counts.clone();
    }

    /** How many latencies were counted. */
    public long count() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    public LatencyHistogram plus(LatencyHistogram other) {
        long[] sum = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            sum[i] = counts[i] + other.counts[i];
        }
        return new LatencyHistogram(sum);
    }

    /**
     * The latencies counted since {@code earlier}, a reading of the same source; null when a bucket went
     * down, which means the source started counting again (a restarted router) in between.
     */
    public LatencyHistogram minusOrNull(LatencyHistogram earlier) {
        long[] diff = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            diff[i] = counts[i] - earlier.counts[i];
            if (diff[i] < 0) {
                return null;
            }
        }
        return new LatencyHistogram(diff);
    }

    /**
     * The latency below which a share {@code q} (0 < q ≤ 1) of the counted latencies lie, interpolated
     * linearly within its bucket; zero when nothing was counted. Latencies in the last, open bucket read as
     * its lower bound (about 65.5 s).
     */
    public Duration quantile(double q) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("a quantile is above 0 and at most 1, got " + q);
        }
        long total = count();
        if (total == 0) {
            return Duration.ZERO;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            long c = counts[i];
            if (c == 0) {
                continue;
            }
            if (seen + c >= rank) {
                if (i == BUCKETS - 1) {
                    return Duration.ofNanos(BOUNDS_NANOS[BOUNDS_NANOS.length - 1]);
                }
                long lower = i == 0 ? 0 : BOUNDS_NANOS[i - 1];
                long upper = BOUNDS_NANOS[i];
                double within = (double) (rank - seen) / c;
                return Duration.ofNanos(lower + Math.round((upper - lower) * within));
            }
            seen += c;
        }
        return Duration.ofNanos(BOUNDS_NANOS[BOUNDS_NANOS.length - 1]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram h && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "LatencyHistogram[count=" + count() + ", p50=" + quantile(0.5) + ", p99=" + quantile(0.99) + "]";
    }
}
