package dev.slipway.core.deploy;

/**
 * What a rollout asks of the two tracks of an environment, one cluster at a time (the deploy itself brings the
 * canary up: {@link DeployEngine#deploy} of an environment with a rollout). Every call is idempotent and returns
 * when done, or throws ({@link ClusterFailureException} when the cluster cannot be reached); the rollout
 * controller calls it again later.
 */
public interface CanaryTracks {

    /**
     * The freeze holding {@code env} now on each cluster of its group that is frozen, by cluster: the rollout
     * controller moves no traffic forward while any holds. Tracks without freezes have none.
     */
    default java.util.Map<String, Freeze> holdingFreezes(EnvironmentTarget env) {
        return java.util.Map.of();
    }

    /**
     * Moves stable's workloads in {@code cluster} to the canary's revision (applied, pruned against the stable
     * revision, waited on until healthy) and records it as a stable revision. Traffic is all on the canary
     * meanwhile.
     */
    void promoteStable(EnvironmentTarget env, String cluster, DeployOptions options);

    /** Deletes the canary's own objects in {@code cluster} after a promotion; traffic is on stable already. */
    void removeCanary(EnvironmentTarget env, String cluster);

    /**
     * Deletes the canary's own objects in {@code cluster} and puts back what the stable revision applied of the
     * objects both tracks share (a ConfigMap the canary changed): stable is as it was before the deploy.
     */
    void abortCanary(EnvironmentTarget env, String cluster, DeployOptions options);
}
