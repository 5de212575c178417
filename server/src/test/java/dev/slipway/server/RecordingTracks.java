package dev.slipway.server;

import dev.slipway.core.deploy.CanaryTracks;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.EnvironmentTarget;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The deploy engine's track calls as a rollout makes them, recorded ({@code abort shop/production east-1}). */
public final class RecordingTracks implements CanaryTracks {
    public final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void promoteStable(EnvironmentTarget env, String cluster, DeployOptions options) {
        calls.add("promote-stable " + env.app() + "/" + env.environment() + " " + cluster);
    }

    @Override
    public void removeCanary(EnvironmentTarget env, String cluster) {
        calls.add("remove-canary " + env.app() + "/" + env.environment() + " " + cluster);
    }

    @Override
    public void abortCanary(EnvironmentTarget env, String cluster, DeployOptions options) {
        calls.add("abort " + env.app() + "/" + env.environment() + " " + cluster);
    }
}
