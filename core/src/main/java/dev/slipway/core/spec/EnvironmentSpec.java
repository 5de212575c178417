package dev.slipway.core.spec;

import dev.slipway.core.SourceLocation;

/**
 * An environment of an app (production, staging, ...): which cluster group it goes to and into which
 * namespace on each cluster.
 *
 * @param name environment name
 * @param group cluster group name in the clusters file
 * @param namespace namespace on every cluster of the group (RFC 1123 label)
 * @param source where the environment was declared
 */
public record EnvironmentSpec(String name, String group, String namespace, SourceLocation source) {}
