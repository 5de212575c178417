package dev.slipway.rollout.controller;

import dev.slipway.router.LatencyHistogram;
import dev.slipway.router.RouterStats;
import dev.slipway.router.TrafficCounts;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** Cumulative per-track numbers a test adds requests to, per cluster, as routers would count them. */
final class FakeTrafficStats implements TrafficStats {
    private final Map<String, TrafficCounts> canary = new TreeMap<>();
    private final Map<String, TrafficCounts> stable = new TreeMap<>();
    RuntimeException failure;

    /** {@code requests} canary requests in {@code cluster}, {@code errors} of them 5xx, all taking {@code latency}. */
    synchronized void canary(String cluster, long requests, long errors, Duration latency) {
        canary.merge(cluster, counts(requests, errors, latency), TrafficCounts::plus);
    }

    synchronized void stable(String cluster, long requests, long errors, Duration latency) {
        stable.merge(cluster, counts(requests, errors, latency), TrafficCounts::plus);
    }

    static TrafficCounts counts(long requests, long errors, Duration latency) {
        return new TrafficCounts(
                requests, errors, 0, 0, LatencyHistogram.empty().plus(latency, requests));
    }

    /** A restarted router: everything counted so far is gone. */
    synchronized void reset() {
        canary.clear();
        stable.clear();
    }

    @Override
    public synchronized TrafficReading read(RolloutKey key) {
        if (failure != null) {
            throw failure;
        }
        return new TrafficReading(backend(canary), backend(stable));
    }

    private static RouterStats.Backend backend(Map<String, TrafficCounts> clusters) {
        TrafficCounts total = TrafficCounts.ZERO;
        for (TrafficCounts c : clusters.values()) {
            total = total.plus(c);
        }
        return new RouterStats.Backend(total, clusters);
    }
}
