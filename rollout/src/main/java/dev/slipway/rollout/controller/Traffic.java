package dev.slipway.rollout.controller;

import dev.slipway.router.Stage;

/**
 * How the controller moves traffic: the stage of an environment's canary in one cluster. The routers in front
 * of the group follow it (item 3's feed); a cluster whose stage is off gets no canary traffic, so with
 * {@code clusters: one-by-one} at most one cluster has another stage, which is the route's stage.
 */
public interface Traffic {

    /**
     * Sets the canary's stage in {@code cluster}. Must be idempotent: the controller sets the same stage again
     * after a restart, and after a call that threw.
     *
     * @throws RuntimeException when it could not; the controller records it and sets the stage again on its
     *     next tick
     */
    void setStage(RolloutKey key, String cluster, Stage stage);
}
