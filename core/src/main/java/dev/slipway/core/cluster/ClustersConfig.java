package dev.slipway.core.cluster;

import dev.slipway.core.SourceLocation;
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

    public Optional<ClusterGroup> group(String name) {
        return Optional.ofNullable(groups.get(name));
    }
}
