package dev.slipway.store;

/** What a queued deploy does: roll a ref out, re-apply an earlier revision, or bring a review lab up. */
public enum DeployKind {
    DEPLOY,
    ROLLBACK,
    LAB
}
