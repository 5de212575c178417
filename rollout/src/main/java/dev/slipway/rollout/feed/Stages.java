package dev.slipway.rollout.feed;

import dev.slipway.router.Stage;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The migration stage of each routable service's canary, per cluster: what a {@link StageSource} says at one
 * moment. The most specific entry wins: the service in the cluster, the service in {@link #ALL_CLUSTERS},
 * {@link #ALL_SERVICES} in the cluster, then {@link #ALL_SERVICES} in {@link #ALL_CLUSTERS}; none means
 * {@code off}. A rollout moves an environment's canary as a whole, so a controller sets
 * {@code with(ALL_SERVICES, cluster, stage)}. Immutable.
 *
 * @param stages service (or {@link #ALL_SERVICES}) → cluster (or {@link #ALL_CLUSTERS}) → stage
 */
public record Stages(Map<String, Map<String, Stage>> stages) {
    /** The cluster key of a stage that holds for every cluster of the service. */
    public static final String ALL_CLUSTERS = "*";

    /** The service key of a stage that holds for every routable service of the environment. */
    public static final String ALL_SERVICES = "*";

    public Stages {
        Map<String, Map<String, Stage>> copy = new LinkedHashMap<>();
        stages.forEach(
                (service, byCluster) -> copy.put(service, Collections.unmodifiableMap(new LinkedHashMap<>(byCluster))));
        stages = Collections.unmodifiableMap(copy);
    }

    /** Everything off: all traffic on stable. */
    public static Stages none() {
        return new Stages(Map.of());
    }

    /** The stage of {@code service}'s canary in {@code cluster}. */
    public Stage stage(String service, String cluster) {
        for (String s : new String[] {service, ALL_SERVICES}) {
            Map<String, Stage> byCluster = stages.getOrDefault(s, Map.of());
            Stage stage = byCluster.get(cluster);
            if (stage == null) {
                stage = byCluster.get(ALL_CLUSTERS);
            }
            if (stage != null) {
                return stage;
            }
        }
        return Stage.off();
    }

    /** These stages with {@code service} at {@code stage} in {@code cluster}. */
    public Stages with(String service, String cluster, Stage stage) {
        Map<String, Map<String, Stage>> next = new LinkedHashMap<>(stages);
        Map<String, Stage> byCluster = new LinkedHashMap<>(next.getOrDefault(service, Map.of()));
        byCluster.put(cluster, stage);
        next.put(service, byCluster);
        return new Stages(next);
    }

    /** These stages with {@code service} at {@code stage} in every cluster (its per-cluster stages dropped). */
    public Stages with(String service, Stage stage) {
        Map<String, Map<String, Stage>> next = new LinkedHashMap<>(stages);
        next.put(service, Map.of(ALL_CLUSTERS, stage));
        return new Stages(next);
    }
}
