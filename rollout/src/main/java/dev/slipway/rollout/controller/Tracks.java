package dev.slipway.rollout.controller;

/**
 * The deploy engine's side of a rollout (item 2's canary and stable tracks), as far as the controller
 * needs it. Every call is idempotent and may be repeated after a restart; each returns when done (stable
 * healthy on the new revision, or the canary gone), or throws, and the controller calls it again on its next
 * tick. The canary is expected to run in every cluster of the group from the deploy on.
 */
public interface Tracks {

    /** Moves stable's workloads in {@code cluster} to the canary's revision; all traffic is on the canary meanwhile. */
    void promoteStable(RolloutKey key, String cluster);

    /** Removes the canary from {@code cluster} after a promotion; traffic is already on stable. */
    void removeCanary(RolloutKey key, String cluster);

    /** Removes the canary from {@code cluster} after an abort or a failure; stable is untouched. */
    void abort(RolloutKey key, String cluster);
}
