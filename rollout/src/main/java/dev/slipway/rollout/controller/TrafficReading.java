package dev.slipway.rollout.controller;

import dev.slipway.router.RouterStats;
import dev.slipway.router.TrafficCounts;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One reading of an environment's two tracks, each in total and per cluster (the router's
 * {@link RouterStats.Backend}), cumulative: the controller judges the difference of two readings.
 *
 * @param canary the canary track's numbers; only clusters whose canary has a stage other than off get any
 * @param stable the stable track's numbers
 */
public record TrafficReading(RouterStats.Backend canary, RouterStats.Backend stable) {

    public static final TrafficReading ZERO = new TrafficReading(
            new RouterStats.Backend(TrafficCounts.ZERO, Map.of()),
            new RouterStats.Backend(TrafficCounts.ZERO, Map.of()));

    public TrafficReading {
        Objects.requireNonNull(canary, "canary");
        Objects.requireNonNull(stable, "stable");
    }

    /** Both tracks added up: readings of several routers, or of several routes, into one. */
    public TrafficReading plus(TrafficReading o) {
        return new TrafficReading(add(canary, o.canary), add(stable, o.stable));
    }

    static RouterStats.Backend add(RouterStats.Backend a, RouterStats.Backend b) {
        Map<String, TrafficCounts> clusters = new TreeMap<>(a.clusters());
        b.clusters().forEach((k, v) -> clusters.merge(k, v, TrafficCounts::plus));
        return new RouterStats.Backend(a.total().plus(b.total()), clusters);
    }

    /**
     * What was counted since {@code earlier} on the canary in total and on stable in {@code clusters} (stable
     * in total when the reading has no per-cluster numbers); empty when a count went down.
     */
    Optional<Window> since(TrafficReading earlier, Collection<String> clusters) {
        Optional<TrafficCounts> c = canary.total().since(earlier.canary.total());
        Optional<TrafficCounts> s = stableOf(clusters).since(earlier.stableOf(clusters));
        if (c.isEmpty() || s.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Window(c.get(), s.get()));
    }

    private TrafficCounts stableOf(Collection<String> clusters) {
        if (stable.clusters().isEmpty()) {
            return stable.total();
        }
        TrafficCounts sum = TrafficCounts.ZERO;
        for (String name : clusters) {
            sum = sum.plus(stable.clusters().getOrDefault(name, TrafficCounts.ZERO));
        }
        return sum;
    }

    /** The requests of one analysis window: the canary's and stable's of the same clusters. */
    record Window(TrafficCounts canary, TrafficCounts stable) {}
}
