package dev.slipway.rollout.controller;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which clusters of a rollout are unhealthy now, as the routers in front of the group see them. A router
 * diverts a failing cluster's traffic on its own within a second; the controller pauses the rollout while a
 * cluster is down ({@link RolloutController#clusterDown}) and resumes it when every cluster is back.
 */
public interface ClusterHealth {

    /**
     * The clusters among {@code clusters} that are down, each with why; empty when nothing could be read (the
     * rollout then keeps its state: no reading is no reason to pause or resume).
     */
    Optional<Map<String, String>> down(RolloutKey key, List<String> clusters);

    /** A health view that never sees a cluster down. */
    static ClusterHealth none() {
        return (key, clusters) -> Optional.empty();
    }
}
