package dev.slipway.rollout.controller;

import java.util.Locale;

/** Where one cluster of a rollout is. */
public enum ClusterStatus {
    /** Waits for the clusters before it ({@code clusters: one-by-one}); its canary gets no traffic. */
    PENDING,
    /** In a step: its canary gets the step's traffic, judged every analysis interval. */
    RUNNING,
    /** Holds its step and traffic split (still judged: a breach aborts), by hand, at optin, or for a cluster down. */
    PAUSED,
    /** Past the last step: stable is moved to the new revision, traffic back to stable, the canary removed. */
    PROMOTING,
    /** Stable runs the new revision; the canary is gone. */
    PROMOTED,
    /** Stopped by a breach or by hand: traffic to stable, the canary removed. */
    ABORTED,
    /** Stopped because the canary could not run (it never became healthy): traffic to stable, canary removed. */
    FAILED;

    /** In a step or promoting: what {@code tick} works on. */
    public boolean active() {
        return this == RUNNING || this == PAUSED || this == PROMOTING;
    }

    /** Nothing more happens to it unless someone retries. */
    public boolean finished() {
        return this == PROMOTED || this == ABORTED || this == FAILED;
    }

    /** Lower case, as JSON and the CLI show it. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
