package dev.slipway.store;

/** How far a deploy got on one cluster of its group. */
public enum ClusterState {
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    SKIPPED,
    INTERRUPTED
}
