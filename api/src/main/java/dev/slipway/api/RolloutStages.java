package dev.slipway.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stages the routers in front of a group follow ({@code GET /api/apps/{app}/environments/{env}/rollout/stages}):
 * per cluster the canary's stage in the router's stage syntax, and a version that grows on every change. No rollout:
 * version 0 and no stages (all traffic on stable).
 */
public record RolloutStages(long version, Map<String, String> stages) {
    public RolloutStages {
        stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
    }
}
