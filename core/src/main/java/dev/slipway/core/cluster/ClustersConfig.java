package dev.slipway.core.cluster;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.spec.EnvironmentSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The clusters file: named groups of clusters.
 *
 * @param groups by name, in file order
 * @param source where the file was read from, for error messages
 */
public record ClustersConfig(Map<String, ClusterGroup> groups, SourceLocation source) {
    public ClustersConfig {
        groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    }

    /**
     * Every cluster of every group, once each by name (the first group's entry wins), in file order: where a
     * freeze of an environment for every app is kept.
     */
    public java.util.List<Cluster> allClusters() {
        Map<String, Cluster> byName = new LinkedHashMap<>();
        groups.values().forEach(g -> g.clusters().forEach(c -> byName.putIfAbsent(c.name(), c)));
        return java.util.List.copyOf(byName.values());
    }

    /**
     * Where something kept for every app goes: the clusters of {@code group}, or without one every cluster
     * ({@link #allClusters}).
     *
     * @throws InvalidInputException naming this file and the groups it defines when there is no such group
     */
    public java.util.List<Cluster> clustersOf(Optional<String> group) {
        if (group.isEmpty()) {
            return allClusters();
        }
        String name = group.get().length() > 63 ? group.get().substring(0, 63) + "..." : group.get();
        return group(group.get())
                .orElseThrow(() -> new InvalidInputException(Problem.at(
                        source,
                        "no cluster group '" + name + "' (this clusters file defines: "
                                + String.join(", ", groups.keySet()) + ")",
                        "name one of those, or none for every cluster")))
                .clusters();
    }

    public Optional<ClusterGroup> group(String name) {
        return Optional.ofNullable(groups.get(name));
    }

    /**
     * The cluster group an environment deploys to.
     *
     * @throws InvalidInputException naming this file and the groups it defines when there is no such group
     */
    public ClusterGroup groupOf(EnvironmentSpec environment) {
        return group(environment.group())
                .orElseThrow(() -> new InvalidInputException(Problem.at(
                        source,
                        "environment '" + environment.name() + "' deploys to cluster group '" + environment.group()
                                + "', which this clusters file does not define (it defines: "
                                + String.join(", ", groups.keySet()) + ")",
                        "add group '" + environment.group() + "' to " + source.file()
                                + ", pass another clusters file with --clusters, or change the environment's group")));
    }
}
