package dev.slipway.rollout.controller;

import dev.slipway.router.Stage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Records every stage the controller sets, with when; can be told to fail. */
final class FakeTraffic implements Traffic {
    record Set(Instant at, String cluster, String stage) {}

    private final Clock clock;
    final List<Set> calls = new ArrayList<>();
    final Map<String, Stage> stages = new TreeMap<>();
    RuntimeException failure;

    FakeTraffic(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void setStage(RolloutKey key, String cluster, Stage stage) {
        if (failure != null) {
            throw failure;
        }
        calls.add(new Set(clock.instant(), cluster, stage.describe()));
        stages.put(cluster, stage);
    }

    /** The stages set for one cluster, in order. */
    List<String> of(String cluster) {
        return calls.stream()
                .filter(c -> c.cluster().equals(cluster))
                .map(Set::stage)
                .toList();
    }

    /** When {@code cluster} was last set to {@code stage}. */
    Instant when(String cluster, String stage) {
        return calls.stream()
                .filter(c -> c.cluster().equals(cluster) && c.stage().equals(stage))
                .map(Set::at)
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError(cluster + " was never set to " + stage + ": " + calls));
    }
}
