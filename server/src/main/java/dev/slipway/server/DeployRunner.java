package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentBackend;
import dev.slipway.core.deploy.EnvironmentRef;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.core.deploy.RollbackPlan;
import dev.slipway.core.deploy.RollbackTo;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.ClusterPlan;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.local.CommitCheckouts;
import dev.slipway.store.AppRecord;
import dev.slipway.store.ClusterState;
import dev.slipway.store.DeployKind;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.DeployState;
import dev.slipway.store.LabRecord;
import dev.slipway.store.LabState;
import dev.slipway.store.RequestSource;
import dev.slipway.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one claimed deploy through the server's {@link EnvironmentBackend} (cluster groups, or local processes on a
 * server without clusters; rollbacks through the {@link DeployEngine}), writing each cluster's progress and a log to
 * the store as it goes, so a server killed at any point leaves a record of what was done where.
 */
final class DeployRunner {

    private static final Logger LOG = LoggerFactory.getLogger(DeployRunner.class);

    private final Store store;
    private final DeployEngine engine;
    private final EnvironmentBackend backend;
    private final AppSources sources;
    private final CommitCheckouts checkouts;
    private final Function<LabRecord, Optional<String>> labUrl;
    private final Duration timeout;
    /** This server, as shown with the requesting user to a deploy refused the lock ({@code alice@slipway-1}). */
    private final String host;
    /** Starts the rollout of a deploy that brought a canary up. */
    private final ServerRollouts rollouts;
    /** Counts each deploy that ended, per cluster and outcome. */
    private final ServerMetrics metrics;
    /** Set as the server stops: it records running deploys interrupted itself, so nothing more is written of them. */
    private volatile boolean stopping;

    /**
     * @param labUrl where a lab answers, when it has a URL (said in the log once its deploy succeeded)
     * @param host this server's id, the machine a lock holder is said to deploy from
     */
    DeployRunner(
            Store store,
            DeployEngine engine,
            EnvironmentBackend backend,
            AppSources sources,
            CommitCheckouts checkouts,
            Function<LabRecord, Optional<String>> labUrl,
            Duration timeout,
            String host,
            ServerRollouts rollouts,
            ServerMetrics metrics) {
        this.metrics = metrics;
        this.host = host;
        this.rollouts = rollouts;
        this.labUrl = labUrl;
        this.store = store;
        this.engine = engine;
        this.backend = backend;
        this.sources = sources;
        this.checkouts = checkouts;
        this.timeout = timeout;
    }

    /**
     * From now on, deploys that end (as their lab processes stop or their clusters' calls return) write nothing: the
     * stopping server marks them interrupted, which a resume can pick up, rather than failed.
     */
    void stop() {
        stopping = true;
    }

    void run(DeployRecord deploy) {
        long started = System.nanoTime();
        Progress progress = new Progress(deploy.id());
        boolean ended = run(deploy, progress);
        if (ended && !stopping) {
            try {
                store.deploys()
                        .find(deploy.id())
                        .filter(d -> d.state().isTerminal())
                        .ifPresent(d -> metrics.deployEnded(
                                d, progress.clusterTimes(), Duration.ofNanos(System.nanoTime() - started)));
            } catch (RuntimeException e) {
                LOG.warn("deploy {} ended, but could not be counted in the metrics: {}", deploy.id(), e.toString());
            }
        }
    }

    /** Runs the deploy; false when the server stopped under it (it is recorded interrupted, not ended here). */
    private boolean run(DeployRecord deploy, Progress progress) {
        long id = deploy.id();
        try {
            AppRecord app = store.apps()
                    .find(deploy.app())
                    .orElseThrow(() -> new InvalidInputException(new Problem(
                            "app",
                            "app " + deploy.app() + " is no longer registered",
                            "register it again and redeploy")));
            DeployOptions queued = DeployOptions.by(deploy.requestedBy())
                    .withHost(host)
                    .withRef(deploy.ref().orElse(""))
                    .withTimeout(timeout);
            // An admin's override (audited when it was queued) goes through a freeze for this deploy only.
            DeployOptions options =
                    deploy.freezeOverride().map(queued::withFreezeOverride).orElse(queued);
            if (deploy.kind() == DeployKind.LAB && lab(deploy).state() != LabState.ACTIVE) {
                // Taken down (or being reaped) while this deploy waited: bringing it up would leave an orphan.
                String message = "the lab was taken down before this deploy ran; bring it up again with lab up";
                store.deploys().appendLog(id, "failed: " + message);
                store.deploys().finish(id, DeployState.FAILED, Optional.of(message));
                return true;
            }
            Optional<App> deployed = Optional.empty();
            DeployReport report = switch (deploy.kind()) {
                case DEPLOY -> {
                    App source = AppLoader.load(source(deploy, app).directory());
                    deployed = Optional.of(source);
                    yield backend.deploy(
                            EnvironmentRef.declared(source, deploy.environment()), source, options, progress);
                }
                case LAB -> {
                    App source = AppLoader.load(source(deploy, app).directory());
                    yield backend.deploy(sources.labRef(app, lab(deploy), source), source, options, progress);
                }
                case ROLLBACK -> {
                    EnvironmentTarget target = sources.target(app, deploy.environment());
                    plan(
                            id,
                            target.group().clusters().stream()
                                    .map(Cluster::name)
                                    .toList());
                    // A rollback request names a revision number, a release (kept as its ref), or neither.
                    RollbackTo to = deploy.rollbackTo()
                            .map(RollbackTo::revision)
                            .or(() -> deploy.ref().map(RollbackTo::release))
                            .orElseGet(RollbackTo::previous);
                    yield engine.rollback(target, to, options, progress);
                }
            };
            if (stopping) {
                LOG.info("deploy {} ended as the server stopped; it is recorded interrupted", id);
                return false;
            }
            finish(deploy, report, progress, deployed);
        } catch (RuntimeException e) {
            if (stopping) {
                LOG.info("deploy {} ended as the server stopped; it is recorded interrupted", id);
                LOG.debug("deploy {} ended with", id, e);
                return false;
            }
            failed(id, progress, e);
        }
        return true;
    }

    private void failed(long id, Progress progress, RuntimeException e) {
        if (e instanceof InvalidInputException invalid) {
            String message = invalid.problems().stream().map(Problem::describe).collect(Collectors.joining("; "));
            progress.failUnfinished(message);
            store.deploys().appendLog(id, "failed: " + message);
            store.deploys().finish(id, DeployState.FAILED, Optional.of(message));
            return;
        }
        LOG.error("deploy {} failed unexpectedly", id, e);
        progress.failUnfinished("internal error, see the server log");
        store.deploys()
                .appendLog(id, "failed: internal error (" + e.getClass().getSimpleName() + "), see the server log");
        store.deploys().finish(id, DeployState.FAILED, Optional.of("internal error, see the server log"));
    }

    private LabRecord lab(DeployRecord deploy) {
        return store.labs().find(deploy.labId().orElseThrow()).orElseThrow();
    }

    /** The directory holding the commit the deploy names (or the working directory), said in the log. */
    private CommitCheckouts.Source source(DeployRecord deploy, AppRecord app) {
        CommitCheckouts.Source source = checkouts.checkout(Path.of(app.directory()), deploy.ref());
        store.deploys().appendLog(deploy.id(), "source: " + source.description());
        return source;
    }

    private void succeeded(DeployRecord deploy, boolean unchanged, Progress progress) {
        if (deploy.kind() == DeployKind.LAB) {
            labUrl.apply(lab(deploy)).ifPresent(url -> store.deploys().appendLog(deploy.id(), "lab answers at " + url));
        }
        // A lab restored after a server restart was not deployed anew: its expiry stays.
        if (deploy.source() != RequestSource.SERVER) {
            deploy.labId().ifPresent(store.labs()::touchDeployed);
        }
        store.deploys()
                .appendLog(
                        deploy.id(),
                        unchanged
                                ? "done: nothing changed"
                                : progress.restoring()
                                        .map(r -> "done: rolled back to release " + r)
                                        .orElse("done"));
        store.deploys().finish(deploy.id(), DeployState.SUCCEEDED, Optional.empty());
    }

    /**
     * A deploy that brought its new revision up as a canary starts the environment's rollout; a refusal (one is
     * under way) is said in the deploy's log, and the deploy still succeeded: the canary runs, with no traffic.
     */
    private void startRollout(DeployRecord deploy, App source, DeployReport report) {
        if (report.canaryClusters().isEmpty()) {
            return;
        }
        String revision = revision(deploy, report, report.canaryClusters().get(0));
        try {
            rollouts.afterDeploy(
                            deploy.app(),
                            deploy.environment(),
                            source,
                            report,
                            revision,
                            deploy.requestedBy(),
                            deploy.source())
                    .ifPresent(state -> store.deploys()
                            .appendLog(
                                    deploy.id(),
                                    "rollout started on " + String.join(", ", report.canaryClusters()) + ": "
                                            + state.spec().describeSteps() + " (follow it with GET /api/apps/"
                                            + deploy.app() + "/environments/" + deploy.environment() + "/rollout)"));
        } catch (InvalidInputException e) {
            String message = e.problems().stream().map(Problem::describe).collect(Collectors.joining("; "));
            store.deploys().appendLog(deploy.id(), "rollout not started: " + message);
        }
    }

    /**
     * A deploy whose canary could not run (the engine took it away, stable serving as before) records the
     * environment's rollout as stopped with the reason, in the audit log and for {@code GET …/rollout}; that it
     * was recorded, or why not (a rollout under way), is said in the deploy's log.
     */
    private void recordFailedCanary(DeployRecord deploy, App source, DeployReport report) {
        if (report.failedCanary().isEmpty()) {
            return;
        }
        String revision = revision(deploy, report, report.failedCanary().get().cluster());
        try {
            rollouts.afterFailedCanary(
                            deploy.app(),
                            deploy.environment(),
                            source,
                            report,
                            revision,
                            deploy.requestedBy(),
                            deploy.source())
                    .ifPresent(state -> store.deploys()
                            .appendLog(
                                    deploy.id(),
                                    "rollout of " + revision + " stopped before it started: the canary in "
                                            + report.failedCanary().get().cluster() + " cannot run (see GET /api/apps/"
                                            + deploy.app() + "/environments/" + deploy.environment() + "/rollout)"));
        } catch (InvalidInputException e) {
            String message = e.problems().stream().map(Problem::describe).collect(Collectors.joining("; "));
            store.deploys().appendLog(deploy.id(), "rollout not recorded: " + message);
        }
    }

    /** The revision a rollout names: the deploy's ref, else the revision recorded on {@code cluster}. */
    private static String revision(DeployRecord deploy, DeployReport report, String cluster) {
        return deploy.ref()
                .filter(r -> !r.isBlank())
                .orElseGet(() -> report.cluster(cluster)
                        .flatMap(c -> c.revision().isPresent()
                                ? Optional.of("revision " + c.revision().getAsInt())
                                : Optional.empty())
                        .orElse("deploy " + deploy.id()));
    }

    private void plan(long id, List<String> clusters) {
        store.deploys().planClusters(id, clusters);
        store.deploys().appendLog(id, "deploying to " + String.join(", ", clusters));
    }

    private void finish(DeployRecord deploy, DeployReport report, Progress progress, Optional<App> source) {
        long id = deploy.id();
        for (ClusterResult result : report.clusters()) {
            if (result.outcome() == ClusterResult.Outcome.NOT_STARTED) {
                store.deploys()
                        .updateCluster(
                                id,
                                result.cluster(),
                                ClusterState.SKIPPED,
                                Optional.empty(),
                                Optional.of("not started: an earlier cluster failed"));
            }
        }
        report.preflightFailures()
                .forEach(f -> store.deploys()
                        .updateCluster(
                                id,
                                f.cluster(),
                                ClusterState.FAILED,
                                Optional.empty(),
                                Optional.of(f.toProblem().describe())));
        if (report.succeeded()) {
            source.ifPresent(app -> startRollout(deploy, app, report));
            succeeded(deploy, report.unchanged(), progress);
        } else {
            source.ifPresent(app -> recordFailedCanary(deploy, app, report));
            String message = report.problems().stream().map(Problem::describe).collect(Collectors.joining("; "));
            store.deploys().appendLog(id, "failed: " + message);
            if (deploy.kind() != DeployKind.LAB) {
                // What the clusters said about it (BackOff, FailedScheduling, ...): the forwarded events.
                store.deploys()
                        .appendLog(
                                id,
                                "the clusters' warnings: GET "
                                        + Api.EVENTS
                                                .replace("{app}", deploy.app())
                                                .replace("{env}", deploy.environment())
                                        + " (console: /apps/" + deploy.app() + "/environments/" + deploy.environment()
                                        + ")");
            }
            store.deploys().finish(id, DeployState.FAILED, Optional.of(message));
        }
    }

    /** Writes the engine's progress to the store as it happens. */
    private final class Progress implements DeployListener {
        private final long id;
        /** Clusters planned and not finished: failed, with the reason, when the deploy throws. */
        private final Set<String> unfinished = ConcurrentHashMap.newKeySet();
        /** When each cluster started (System.nanoTime), then how long it took once finished. */
        private final Map<String, Long> startedAt = new ConcurrentHashMap<>();

        private final Map<String, Duration> took = new ConcurrentHashMap<>();

        Progress(long id) {
            this.id = id;
        }

        @Override
        public void deploying(List<String> clusters) {
            if (stopping) {
                return;
            }
            plan(id, clusters);
            unfinished.addAll(clusters);
        }

        @Override
        public void progress(String cluster, String line) {
            if (stopping) {
                return;
            }
            store.deploys().appendLog(id, cluster + ": " + line);
        }

        /** How long each cluster took, from started to finished; a cluster still going counts until now. */
        Map<String, Duration> clusterTimes() {
            Map<String, Duration> times = new java.util.HashMap<>(took);
            long now = System.nanoTime();
            startedAt.forEach((cluster, at) -> times.putIfAbsent(cluster, Duration.ofNanos(now - at)));
            return times;
        }

        void failUnfinished(String why) {
            for (String cluster : List.copyOf(unfinished)) {
                store.deploys().updateCluster(id, cluster, ClusterState.FAILED, Optional.empty(), Optional.of(why));
                unfinished.remove(cluster);
            }
        }

        /** The release a rollback restores, once the engine has chosen it. */
        private volatile String restoring;

        Optional<String> restoring() {
            return Optional.ofNullable(restoring);
        }

        @Override
        public void rollingBack(RollbackPlan plan) {
            if (stopping) {
                return;
            }
            restoring = plan.release();
            store.deploys().appendLog(id, "rolling back to release " + plan.release() + " on every cluster");
            plan.lines().forEach(line -> store.deploys().appendLog(id, line));
        }

        @Override
        public void clusterStarted(ClusterPlan plan) {
            startedAt.put(plan.cluster(), System.nanoTime());
            if (stopping) {
                return;
            }
            store.deploys().updateCluster(id, plan.cluster(), ClusterState.RUNNING, Optional.empty(), Optional.empty());
            store.deploys().appendLog(id, plan.cluster() + ": started");
        }

        @Override
        public void applied(String cluster, PlannedChange change) {
            if (stopping) {
                return;
            }
            String what = change.secret() ? "a secret" : change.ref().toString();
            store.deploys()
                    .appendLog(id, cluster + ": " + change.action().name().toLowerCase(Locale.ROOT) + " " + what);
        }

        @Override
        public void pruned(String cluster, ObjectRef ref) {
            if (stopping) {
                return;
            }
            store.deploys().appendLog(id, cluster + ": pruned " + ref);
        }

        @Override
        public void health(String cluster, ObjectHealth health) {
            if (stopping) {
                return;
            }
            store.deploys()
                    .appendLog(
                            id,
                            cluster + ": " + health.ref() + " "
                                    + health.state().name().toLowerCase(Locale.ROOT)
                                    + (health.message().isEmpty() ? "" : " (" + health.message() + ")"));
        }

        @Override
        public void clusterFinished(ClusterResult result) {
            Long at = startedAt.get(result.cluster());
            if (at != null) {
                took.put(result.cluster(), Duration.ofNanos(System.nanoTime() - at));
            }
            if (stopping) {
                return;
            }
            unfinished.remove(result.cluster());
            ClusterState state = switch (result.outcome()) {
                case FAILED -> ClusterState.FAILED;
                case NOT_STARTED -> ClusterState.SKIPPED;
                default -> ClusterState.SUCCEEDED;
            };
            Optional<Integer> revision = result.revision().isPresent()
                    ? Optional.of(result.revision().getAsInt())
                    : Optional.empty();
            Optional<String> message = result.failure().map(f -> f.toProblem().describe());
            store.deploys().updateCluster(id, result.cluster(), state, revision, message);
            store.deploys()
                    .appendLog(
                            id,
                            result.cluster() + ": " + result.outcome().label()
                                    + revision.map(r -> " (revision " + r + ")").orElse("")
                                    + message.map(m -> ": " + m).orElse(""));
        }
    }
}
