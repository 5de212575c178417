package dev.slipway.rollout.controller;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One transition of a rollout, for the audit log: who or what decided ({@link RolloutController#CONTROLLER}
 * or a person's name) and why, with the numbers. Shaped like the store's audit entries: {@link #action()},
 * {@link #target()} and {@link #details()} go into them as they are.
 *
 * @param at when
 * @param key the rollout
 * @param cluster the cluster it concerns, empty for the whole rollout
 * @param action e.g. {@code rollout.step}, {@code rollout.abort} (see docs/rollouts.md)
 * @param actor {@code controller} or the name of the person who asked
 * @param details why, in words with the numbers
 */
public record RolloutEvent(
        Instant at, RolloutKey key, Optional<String> cluster, String action, String actor, String details) {
    public RolloutEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(details, "details");
    }

    /** {@code app/env} or {@code app/env/cluster}. */
    public String target() {
        return key + cluster.map(c -> "/" + c).orElse("");
    }

    /** Whether the controller decided on its own (rather than a person). */
    public boolean byController() {
        return actor.equals(RolloutController.CONTROLLER);
    }
}
