package dev.slipway.api;

import java.time.Instant;
import java.util.Optional;

/**
 * One transition of an environment's rollouts, from the audit log: who or what decided and why.
 *
 * @param at when
 * @param cluster the cluster it concerns, empty for the whole rollout
 * @param action e.g. {@code rollout.step}, {@code rollout.abort} (docs/rollouts.md)
 * @param actor {@code controller}, or the person who asked
 * @param details why, in words with the numbers
 */
public record RolloutTransition(Instant at, Optional<String> cluster, String action, String actor, String details) {}
