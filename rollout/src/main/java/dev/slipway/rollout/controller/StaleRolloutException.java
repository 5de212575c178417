package dev.slipway.rollout.controller;

/** A save lost the race: another controller (or command) changed the rollout since it was loaded. */
public final class StaleRolloutException extends RuntimeException {
    public StaleRolloutException(RolloutKey key, long expected, long found) {
        super("rollout " + key + " changed meanwhile (expected version " + expected + ", found " + found + ")");
    }
}
