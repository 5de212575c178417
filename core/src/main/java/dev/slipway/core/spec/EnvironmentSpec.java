package dev.slipway.core.spec;

import dev.slipway.core.SourceLocation;
import dev.slipway.core.rollout.RolloutSpec;
import java.util.Objects;
import java.util.Optional;

/**
 * An environment of an app (production, staging, ...): which cluster group it goes to, into which
 * namespace on each cluster, and how a new revision is rolled out.
 *
 * @param name environment name
 * @param group cluster group name in the clusters file
 * @param namespace namespace on every cluster of the group (RFC 1123 label)
 * @param rollout staged rollout of a new revision beside the stable one; empty means deploy in place
 * @param source where the environment was declared
 */
public record EnvironmentSpec(
        String name, String group, String namespace, Optional<RolloutSpec> rollout, SourceLocation source) {

    public EnvironmentSpec {
        Objects.requireNonNull(rollout, "rollout");
    }

    /** An environment that deploys in place (no {@code rollout:}). */
    public EnvironmentSpec(String name, String group, String namespace, SourceLocation source) {
        this(name, group, namespace, Optional.empty(), source);
    }
}
