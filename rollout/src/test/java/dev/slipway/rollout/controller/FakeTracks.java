package dev.slipway.rollout.controller;

import dev.slipway.router.Stage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records every call to the tracks, with the stage the cluster's canary had at that moment (so a test sees
 * that stable was promoted while all traffic was on the canary); a call can be told to fail a number of times.
 */
final class FakeTracks implements Tracks {
    final List<String> calls = new ArrayList<>();
    final Map<String, Integer> failures = new HashMap<>();
    private final FakeTraffic traffic;

    FakeTracks(FakeTraffic traffic) {
        this.traffic = traffic;
    }

    /** Makes the next {@code times} calls of {@code operation} (e.g. {@code promoteStable}) throw. */
    void failNext(String operation, int times) {
        failures.put(operation, times);
    }

    private void call(String operation, String cluster) {
        Integer left = failures.get(operation);
        if (left != null && left > 0) {
            failures.put(operation, left - 1);
            throw new IllegalStateException(operation + " in " + cluster + ": API server unreachable");
        }
        Stage stage = traffic.stages.get(cluster);
        calls.add(operation + " " + cluster + " [" + (stage == null ? "unset" : stage.describe()) + "]");
    }

    @Override
    public void promoteStable(RolloutKey key, String cluster) {
        call("promoteStable", cluster);
    }

    @Override
    public void removeCanary(RolloutKey key, String cluster) {
        call("removeCanary", cluster);
    }

    @Override
    public void abort(RolloutKey key, String cluster) {
        call("abort", cluster);
    }
}
