package dev.slipway.core.rollout;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** How a rollout moves through the clusters of the environment's group. */
public enum ClusterOrder {
    /** A cluster goes through every step (to {@code full}) before the next cluster starts; the default. */
    ONE_BY_ONE("one-by-one"),
    /** Every cluster takes each step at the same time; a breach on any cluster aborts all of them. */
    TOGETHER("together");

    public static final ClusterOrder DEFAULT = ONE_BY_ONE;

    private final String yaml;

    ClusterOrder(String yaml) {
        this.yaml = yaml;
    }

    /** How it is written in slipway.yaml. */
    public String yaml() {
        return yaml;
    }

    public static Optional<ClusterOrder> parse(String text) {
        return Arrays.stream(values()).filter(o -> o.yaml.equals(text)).findFirst();
    }

    /** Every spelling, for error messages. */
    public static List<String> names() {
        return Arrays.stream(values()).map(ClusterOrder::yaml).toList();
    }
}
