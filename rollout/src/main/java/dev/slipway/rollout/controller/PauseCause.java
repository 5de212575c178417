package dev.slipway.rollout.controller;

/** Why a cluster is {@link ClusterStatus#PAUSED}, which decides who may resume it. */
public enum PauseCause {
    /** Someone paused it; only someone resumes it. */
    BY_HAND,
    /** It is in the {@code optin} step, which holds until someone resumes it (then the next step starts). */
    OPT_IN,
    /** A cluster of the group is unhealthy; the controller resumes it when every cluster is healthy again. */
    CLUSTER_DOWN
}
