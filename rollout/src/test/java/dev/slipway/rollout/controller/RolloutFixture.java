package dev.slipway.rollout.controller;

import dev.slipway.core.SourceLocation;
import dev.slipway.core.rollout.Analysis;
import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.rollout.RolloutStep;
import dev.slipway.router.Stage;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.threeten.extra.MutableClock;

/** A controller on fakes and a mutable clock, and the traffic a test sends through it, interval by interval. */
final class RolloutFixture {
    static final RolloutKey KEY = new RolloutKey("acme-web", "production");
    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final Analysis ANALYSIS = new Analysis(
            INTERVAL, 100, new BigDecimal("0.01"), Optional.of(Duration.ofMillis(800)), new BigDecimal("1.5"));

    final MutableClock clock = MutableClock.of(Instant.parse("2026-12-03T09:00:00Z"), ZoneOffset.UTC);
    final RolloutStore store;
    final FakeTrafficStats stats = new FakeTrafficStats();
    final FakeTraffic traffic = new FakeTraffic(clock);
    final FakeTracks tracks = new FakeTracks(traffic);
    final List<RolloutEvent> events = new ArrayList<>();
    /** The checks reported, as {@code clusters: verdict requests/errors}. */
    final List<String> checks = new ArrayList<>();

    /** The freeze holding the environment, as the controller's gate reads it; null: none. */
    final java.util.concurrent.atomic.AtomicReference<String> freeze =
            new java.util.concurrent.atomic.AtomicReference<>();

    final RolloutController controller;

    RolloutFixture() {
        this(RolloutStore.inMemory());
    }

    RolloutFixture(RolloutStore store) {
        this.store = store;
        RolloutEvents listener = new RolloutEvents() {
            @Override
            public void transition(RolloutEvent event) {
                events.add(event);
            }

            @Override
            public void checked(RolloutKey key, List<String> clusters, Check check) {
                checks.add(String.join(",", clusters) + ": " + check.verdict() + " " + check.requests() + "/"
                        + check.errors());
            }
        };
        this.controller = new RolloutController(
                store, stats, traffic, tracks, listener, clock, key -> Optional.ofNullable(freeze.get()));
    }

    /** rps 100 for 1m, 10% for 2m, full. */
    static RolloutSpec spec(ClusterOrder order) {
        return spec(
                order,
                new RolloutStep.Rps(100, Duration.ofMinutes(1)),
                new RolloutStep.Percent(10, Duration.ofMinutes(2)),
                new RolloutStep.Full());
    }

    static RolloutSpec spec(ClusterOrder order, RolloutStep... steps) {
        return new RolloutSpec(List.of(steps), ANALYSIS, order, SourceLocation.of(Path.of("slipway.yaml")));
    }

    RolloutState start(RolloutSpec spec, String... clusters) {
        return controller.start(KEY, spec, "r7", List.of(clusters), "alice");
    }

    RolloutState state() {
        return controller.status(KEY).orElseThrow();
    }

    ClusterRollout cluster(String name) {
        return state().cluster(name).orElseThrow();
    }

    /**
     * One analysis interval of traffic, then a tick: each cluster whose canary has a stage other than off gets
     * {@code canaryRequests} ({@code errors} of them failing) at {@code canaryLatency}; stable gets 1000 per
     * cluster at 50 ms.
     */
    RolloutState interval(long canaryRequests, long errors, Duration canaryLatency) {
        clock.add(INTERVAL);
        for (Map.Entry<String, Stage> e : traffic.stages.entrySet()) {
            if (!(e.getValue() instanceof Stage.Off)) {
                stats.canary(e.getKey(), canaryRequests, errors, canaryLatency);
            }
            stats.stable(e.getKey(), 1000, 0, Duration.ofMillis(50));
        }
        return controller.tick(KEY);
    }

    /** A healthy interval: 200 canary requests, none failing, at 50 ms. */
    RolloutState healthy() {
        return interval(200, 0, Duration.ofMillis(50));
    }

    /** Healthy intervals until {@code done} or {@code max} intervals passed. */
    RolloutState healthyUntil(java.util.function.Predicate<RolloutState> done, int max) {
        RolloutState s = state();
        for (int i = 0; i < max && !done.test(s); i++) {
            s = healthy();
        }
        return s;
    }

    List<String> actions() {
        return events.stream()
                .map(e -> e.action() + " " + e.target() + " by " + e.actor())
                .toList();
    }
}
