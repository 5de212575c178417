package dev.slipway.rollout.controller;

/**
 * Where the controller reads the routers' per-track numbers: cumulative since some start, summed over every
 * router in front of the group and every route of the environment. The controller subtracts two readings
 * itself; a source whose sum went down (a router restarted) makes that window unusable, not negative.
 */
public interface TrafficStats {

    /**
     * The environment's canary and stable numbers now.
     *
     * @throws RuntimeException when the numbers cannot be read; the check waits and says why
     */
    TrafficReading read(RolloutKey key);
}
