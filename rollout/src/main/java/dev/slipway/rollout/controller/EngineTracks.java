package dev.slipway.rollout.controller;

import dev.slipway.core.deploy.CanaryTracks;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.EnvironmentTarget;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The controller's {@link Tracks} over the deploy engine's {@link CanaryTracks}: a rollout's key resolves to
 * the environment it runs in (app, environment, cluster group, namespace), and each call goes to the engine
 * for that one cluster. Stable revisions the promotion records say the controller made them. As a {@link
 * FreezeGate} it reads the environment's freezes on its clusters, as every deploy does.
 */
public final class EngineTracks implements Tracks, FreezeGate {
    private final CanaryTracks engine;
    private final Function<RolloutKey, EnvironmentTarget> environments;
    private final Function<RolloutKey, DeployOptions> options;

    /**
     * @param environments where a rollout runs; throws when the app or environment is no longer known
     * @param options how a promotion deploys (who, timeout, revisions kept) for that rollout
     */
    public EngineTracks(
            CanaryTracks engine,
            Function<RolloutKey, EnvironmentTarget> environments,
            Function<RolloutKey, DeployOptions> options) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.environments = Objects.requireNonNull(environments, "environments");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Promotions recorded as made by the rollout controller, with default timeouts. */
    public static EngineTracks byController(CanaryTracks engine, Function<RolloutKey, EnvironmentTarget> environments) {
        return new EngineTracks(engine, environments, key -> DeployOptions.by("rollout-controller"));
    }

    /**
     * The first frozen cluster's freeze, or, when the freezes cannot be read, that: a rollout that cannot tell
     * whether it is frozen holds (better held than moved through a freeze).
     */
    @Override
    public Optional<String> frozen(RolloutKey key) {
        try {
            return engine.holdingFreezes(environments.apply(key)).entrySet().stream()
                    .findFirst()
                    .map(e -> key.environment() + " is " + e.getValue().describe() + " (on " + e.getKey() + ")");
        } catch (RuntimeException e) {
            return Optional.of("its freezes cannot be read (" + e.getMessage() + ")");
        }
    }

    @Override
    public void promoteStable(RolloutKey key, String cluster) {
        engine.promoteStable(environments.apply(key), cluster, options.apply(key));
    }

    @Override
    public void removeCanary(RolloutKey key, String cluster) {
        engine.removeCanary(environments.apply(key), cluster);
    }

    @Override
    public void abort(RolloutKey key, String cluster) {
        engine.abortCanary(environments.apply(key), cluster, options.apply(key));
    }
}
