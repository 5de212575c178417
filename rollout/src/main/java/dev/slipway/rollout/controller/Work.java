package dev.slipway.rollout.controller;

/**
 * A call to the tracks a cluster still owes: recorded before it is made, so a controller restarted between
 * two calls makes the owed one again (the calls are idempotent) instead of skipping or repeating a step.
 */
public enum Work {
    NONE,
    /** Promoting, all traffic on the canary: move stable's workloads to the new revision. */
    PROMOTE_STABLE,
    /** Promoting, traffic back on stable (now the new revision): remove the canary. */
    REMOVE_CANARY,
    /** Aborted or failed, traffic on stable: remove the canary. */
    ABORT_CANARY
}
