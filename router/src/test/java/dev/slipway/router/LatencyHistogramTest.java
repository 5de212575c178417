package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    static LatencyHistogram of(long... millis) {
        TrafficCounters counters = new TrafficCounters();
        for (long ms : millis) {
            counters.record(200, TrafficCounters.OK, Duration.ofMillis(ms).toNanos());
        }
        return counters.read().latency();
    }

    @Test
    void bucketsAreLogSpacedFromOneMillisecondToAboutAMinute() {
        assertThat(LatencyHistogram.BOUNDS_NANOS[0]).isEqualTo(1_000_000);
        assertThat(LatencyHistogram.BOUNDS_NANOS[4]).isEqualTo(2_000_000);
        assertThat(LatencyHistogram.BOUNDS_NANOS[64]).isEqualTo(65_536_000_000L);
        assertThat(LatencyHistogram.bucketOf(0)).isZero();
        assertThat(LatencyHistogram.bucketOf(1_000_000)).isZero();
        assertThat(LatencyHistogram.bucketOf(1_000_001)).isEqualTo(1);
        assertThat(LatencyHistogram.bucketOf(Long.MAX_VALUE)).isEqualTo(LatencyHistogram.BUCKETS - 1);
    }

    @Test
    void quantilesAreWithinOneBucketOfTheTruth() {
        long[] ms = new long[1000];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = i + 1; // 1..1000 ms
        }
        LatencyHistogram h = of(ms);
        assertThat(h.count()).isEqualTo(1000);
        assertThat(h.quantile(0.99).toMillis()).isBetween(990L * 100 / 119, 990L * 119 / 100);
        assertThat(h.quantile(0.5).toMillis()).isBetween(500L * 100 / 119, 500L * 119 / 100);
        assertThat(h.quantile(1.0).toMillis()).isBetween(1000L, 1000L * 119 / 100);
        assertThat(of().quantile(0.99)).isEqualTo(Duration.ZERO);
    }

    @Test
    void slowerThanTheLastBoundReadsAsTheLastBound() {
        assertThat(of(120_000).quantile(0.99)).isEqualTo(Duration.ofNanos(65_536_000_000L));
    }

    @Test
    void mergedHistogramsAreTheHistogramOfAllLatencies() {
        assertThat(of(5, 50).plus(of(500))).isEqualTo(of(5, 50, 500));
        assertThat(of(5, 50, 500).minusOrNull(of(5))).isEqualTo(of(50, 500));
        assertThat(of(5).minusOrNull(of(50))).isNull();
    }
}
