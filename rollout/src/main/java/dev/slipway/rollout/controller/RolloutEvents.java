package dev.slipway.rollout.controller;

/** Where the controller reports transitions, after they are stored; the server writes them to its audit log. */
@FunctionalInterface
public interface RolloutEvents {

    /** Must not throw; a listener that fails logs it. */
    void transition(RolloutEvent event);

    static RolloutEvents none() {
        return e -> {};
    }
}
