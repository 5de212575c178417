package dev.slipway.core.deploy;

import dev.slipway.core.spec.App;

/**
 * Makes one environment of an app run a revision, or removes it: the seam one level above {@link ClusterTarget},
 * so the server's deploy runner, its lab reaper and {@code slipway up} never branch on where an environment runs.
 * {@link ClusterGroupBackend} implements it over the renderer and the {@link DeployEngine} (a cluster group, one
 * {@link ClusterTarget} per cluster); {@code dev.slipway.local.LocalEnvironments} over supervised processes on this
 * machine.
 */
public interface EnvironmentBackend {

    /**
     * Makes {@code environment} run {@code app} as its directory (or a commit exported from it) holds it. What went
     * wrong while deploying is in the report, one entry per cluster (the local backend reports one cluster,
     * {@link #LOCAL_CLUSTER}), and the listener hears each step as it happens.
     *
     * @throws dev.slipway.core.InvalidInputException when the app cannot run there at all; nothing was started
     */
    DeployReport deploy(EnvironmentRef environment, App app, DeployOptions options, DeployListener listener);

    /**
     * Removes everything {@code environment} runs.
     *
     * @return what was removed, in words, for the audit log
     * @throws RuntimeException when it could not be removed (a cluster failure, an unreachable cluster)
     */
    String tearDown(EnvironmentRef environment);

    /** The cluster name the local backend reports its environments under, in reports and deploy records. */
    String LOCAL_CLUSTER = "local";
}
