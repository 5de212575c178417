package dev.slipway.server;

import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.Freeze;
import dev.slipway.core.spec.Durations;
import dev.slipway.store.AppRecord;
import dev.slipway.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Freezing and unfreezing an environment through the server, for the REST API and chat alike: the freeze is
 * written to every cluster of the group (where every deploy path reads it, see {@link Freeze}) with the server's
 * credentials, and audited; a cluster it could not reach makes the answer a 502 naming it.
 */
final class FreezeActions {
    private final Store store;
    private final DeployEngine engine;
    private final AppSources sources;
    private final Clock clock;

    FreezeActions(Store store, DeployEngine engine, AppSources sources, Clock clock) {
        this.store = store;
        this.engine = engine;
        this.sources = sources;
        this.clock = clock;
    }

    /**
     * Freezes {@code environment} of {@code app} as {@code caller}, for {@code lasting} or until {@code until}
     * (as written: {@code 2h}, {@code 2026-12-24T18:00:00Z}), else until lifted.
     *
     * @throws ApiException 400 for a bad duration, time or empty reason; 502 when a cluster was missed
     */
    Freeze freeze(
            AppRecord app,
            String environment,
            Optional<String> lasting,
            Optional<String> until,
            String reason,
            Caller caller) {
        Freeze freeze = freezeOf(lasting, until, reason, caller);
        EnvironmentTarget target = sources.target(app, environment);
        List<ClusterFailure> missed = engine.setFreeze(target, Optional.of(freeze));
        store.auditLog()
                .record(
                        caller.name(),
                        "environment.freeze",
                        app.name() + "/" + environment,
                        caller.source(),
                        freeze.describe() + (missed.isEmpty() ? "" : "; not on " + clusters(missed)));
        refuseIfMissed(missed, "frozen");
        return freeze;
    }

    /**
     * Freezes environment name {@code environment} for every app, on every cluster of the clusters file or of
     * {@code group}; audited as {@code environment.freeze}, target {@code *&#47;ENV}.
     */
    Freeze freezeEveryApp(
            String environment,
            Optional<String> group,
            Optional<String> lasting,
            Optional<String> until,
            String reason,
            Caller caller) {
        Freeze freeze = freezeOf(lasting, until, reason, caller);
        List<ClusterFailure> missed =
                engine.setEnvironmentFreeze(everyAppClusters(group), environment, Optional.of(freeze));
        store.auditLog()
                .record(
                        caller.name(),
                        "environment.freeze",
                        "*/" + environment,
                        caller.source(),
                        freeze.describe() + ", for every app"
                                + (missed.isEmpty() ? "" : "; not on " + clusters(missed)));
        refuseIfMissed(missed, "frozen");
        return freeze;
    }

    /** Lifts the every-app freeze of {@code environment} on every cluster of the clusters file or of {@code group}. */
    void unfreezeEveryApp(String environment, Optional<String> group, Caller caller) {
        List<ClusterFailure> missed =
                engine.setEnvironmentFreeze(everyAppClusters(group), environment, Optional.empty());
        store.auditLog()
                .record(
                        caller.name(),
                        "environment.unfreeze",
                        "*/" + environment,
                        caller.source(),
                        missed.isEmpty() ? "" : "still frozen on " + clusters(missed));
        refuseIfMissed(missed, "unfrozen");
    }

    /** Each cluster's every-app freeze of {@code environment}. */
    Map<String, Optional<Freeze>> everyAppFreezes(String environment, Optional<String> group) {
        return engine.environmentFreezes(everyAppClusters(group), environment);
    }

    private List<Cluster> everyAppClusters(Optional<String> group) {
        return sources.clusters().clustersOf(group);
    }

    /** The freeze {@code caller} asks for, checked: a reason, and at most one end, in the future. */
    private Freeze freezeOf(Optional<String> lasting, Optional<String> until, String reason, Caller caller) {
        if (reason == null || reason.isBlank()) {
            throw ApiException.badRequest("reason", "a freeze needs a reason", "say why: everyone refused reads it");
        }
        Instant now = clock.instant();
        Optional<Duration> length = lasting.map(text -> Durations.parse(text)
                .orElseThrow(() -> ApiException.badRequest(
                        "for", "'" + Inputs.echo(text) + "' is not a duration", "write it like 2h or 3d")));
        Optional<Instant> end = Freeze.end(length, until, now, "for", "until");
        return new Freeze(caller.name(), reason.strip(), now, end);
    }

    /** Lifts the freeze on every cluster of the group. */
    void unfreeze(AppRecord app, String environment, Caller caller) {
        List<ClusterFailure> missed = engine.setFreeze(sources.target(app, environment), Optional.empty());
        store.auditLog()
                .record(
                        caller.name(),
                        "environment.unfreeze",
                        app.name() + "/" + environment,
                        caller.source(),
                        missed.isEmpty() ? "" : "still frozen on " + clusters(missed));
        refuseIfMissed(missed, "unfrozen");
    }

    /** Each cluster's freeze of the environment, as the clusters keep them. */
    Map<String, Optional<Freeze>> freezes(AppRecord app, String environment) {
        return engine.freezes(sources.target(app, environment));
    }

    private static String clusters(List<ClusterFailure> missed) {
        return String.join(", ", missed.stream().map(ClusterFailure::cluster).toList());
    }

    private static void refuseIfMissed(List<ClusterFailure> missed, String what) {
        if (!missed.isEmpty()) {
            throw new ApiException(
                    502,
                    "Not " + what + " on every cluster",
                    missed.stream()
                            .map(f -> new Problem(
                                    "cluster " + f.cluster(),
                                    f.message(),
                                    "try again once the cluster can be reached: " + f.hint()))
                            .toList());
        }
    }
}
