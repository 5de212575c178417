package dev.slipway.core.deploy;

import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.ClusterPlan;
import dev.slipway.core.plan.PlannedChange;
import java.util.List;

/**
 * Progress of a deploy as it happens, for progress displays. Called from the deploying thread (one per
 * cluster when the group deploys in parallel); implementations must be thread-safe in that case.
 */
public interface DeployListener {
    DeployListener NONE = new DeployListener() {};

    /**
     * The clusters this deploy goes to, in order, before the first is started (an {@link EnvironmentBackend} says
     * so once it knows them; the engine itself does not call it).
     */
    default void deploying(List<String> clusters) {}

    /** A step on a cluster in words, for backends whose steps are not objects (the local backend's replicas). */
    default void progress(String cluster, String line) {}

    /**
     * A rollback's target on every cluster, once each cluster has been read and before anything is written
     * anywhere.
     */
    default void rollingBack(RollbackPlan plan) {}

    /** The cluster's plan, computed under its lock, just before anything is written. */
    default void clusterStarted(ClusterPlan plan) {}

    default void applied(String cluster, PlannedChange change) {}

    default void pruned(String cluster, ObjectRef ref) {}

    /** An object's health changed while waiting. */
    default void health(String cluster, ObjectHealth health) {}

    default void clusterFinished(ClusterResult result) {}
}
