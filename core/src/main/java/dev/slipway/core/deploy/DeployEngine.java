package dev.slipway.core.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Labels;
import dev.slipway.core.Timings;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.manifest.Manifest;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.AppliedHash;
import dev.slipway.core.plan.ChangeAction;
import dev.slipway.core.plan.ClusterPlan;
import dev.slipway.core.plan.Drift;
import dev.slipway.core.plan.Plan;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.plan.Planner;
import dev.slipway.core.render.RenderedCluster;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.revision.Releases;
import dev.slipway.core.revision.Revision;
import dev.slipway.core.revision.RevisionOutcome;
import dev.slipway.core.revision.RevisionSummary;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Deploys rendered apps to cluster groups through any backend: preflight every cluster, then per cluster
 * lock → plan → apply → prune → wait for health → record the revision → unlock, halting the group at the
 * first failure. Knows nothing about Kubernetes clients; a {@link ClusterTargets} supplies the clusters.
 */
public final class DeployEngine implements CanaryTracks {
    /** Requests in flight per cluster while applying one batch; API servers handle this easily. */
    private static final int APPLY_CONCURRENCY = 8;

    private final ClusterTargets targets;
    private final Clock clock;

    public DeployEngine(ClusterTargets targets, Clock clock) {
        this.targets = targets;
        this.clock = clock;
    }

    /**
     * What deploying {@code rendering} would change on each cluster. Reads only.
     *
     * @throws InvalidInputException when a cluster cannot be reached or authenticated (one problem per cluster)
     */
    public Plan plan(Rendering rendering) {
        EnvironmentTarget env = EnvironmentTarget.of(rendering);
        List<Job> jobs = jobsOf(rendering, env);
        try (Connections connections = connect(jobs)) {
            connections.throwIfUnavailable();
            Map<String, Look> looks = lookAtAll(jobs, connections);
            List<ClusterPlan> plans = new ArrayList<>();
            for (Job job : jobs) {
                plans.add(looks.get(job.name()).planned().plan());
            }
            return new Plan(env.app(), env.environment(), plans);
        }
    }

    /**
     * Deploys {@code rendering} to its group: one cluster after the other in group order (all at once when
     * the group is parallel); the first failure leaves later clusters untouched. A redeploy with no change
     * writes nothing.
     */
    public DeployReport deploy(Rendering rendering, DeployOptions options, DeployListener listener) {
        EnvironmentTarget env = EnvironmentTarget.of(rendering);
        List<Job> jobs = jobsOf(rendering, env);
        return run(env, released(jobs, options.ref()), options, listener, looks -> {});
    }

    /**
     * Restores one release on every cluster of the group (see {@link RollbackTo}), recording new revisions marked as
     * rollbacks of the revisions re-applied and as that release. Every cluster is read first: when one lacks the
     * release, or {@code --to N} names different releases on different clusters, nothing is written anywhere.
     * The target of each cluster goes to {@link DeployListener#rollingBack} before the first write; a cluster
     * already at the release is left alone.
     */
    public DeployReport rollback(EnvironmentTarget env, RollbackTo to, DeployOptions options, DeployListener listener) {
        List<Job> placeholders = env.group().clusters().stream()
                .map(c -> new Job(c, env.on(), List.of(), OptionalInt.empty()))
                .toList();
        RollbackTargets.Chosen chosen;
        try (Connections connections = connect(placeholders)) {
            if (!connections.failures().isEmpty()) {
                return notStarted(env, connections.failures());
            }
            List<ClusterTarget> group = placeholders.stream()
                    .map(p -> connections.target(p.cluster()))
                    .toList();
            RollbackTargets.Selection selection = RollbackTargets.select(env.on(), group, to);
            if (selection.chosen().isEmpty()) {
                return notStarted(env, selection.refusals());
            }
            chosen = selection.chosen().get();
        }
        List<Job> jobs = new ArrayList<>();
        for (Job placeholder : placeholders) {
            Revision r = chosen.revisions().get(placeholder.name());
            jobs.add(new Job(placeholder.cluster(), env.on(), r.objects(), OptionalInt.of(r.number()))
                    .withRef(r.summary().ref()));
        }
        // A release recorded before release ids gets one now, the same on every cluster.
        Release release = chosen.release().isEmpty()
                ? releaseOf(jobs, jobs.get(0).ref().orElse(""))
                : new Release(chosen.release(), contentsOf(jobs));
        List<Job> restoring = jobs.stream().map(j -> j.as(release)).toList();
        return run(env, restoring, options, listener, looks -> {
            List<RollbackPlan.Step> steps = new ArrayList<>();
            for (Job job : restoring) {
                Look look = looks.get(job.name());
                boolean already = look.made().map(DeployEngine::isUpToDate).orElse(false);
                steps.add(new RollbackPlan.Step(
                        job.name(),
                        chosen.current().get(job.name()),
                        chosen.revisions().get(job.name()).summary(),
                        already));
            }
            listener.rollingBack(new RollbackPlan(release.id(), steps));
        });
    }

    /** Current revision and object health on each cluster. Reads only; an unreachable cluster is reported, not fatal. */
    public List<ClusterStatus> status(EnvironmentTarget env) {
        List<ClusterStatus> result = new ArrayList<>();
        for (Cluster cluster : env.group().clusters()) {
            try (ClusterTarget target = targets.open(cluster)) {
                target.preflight(env.namespace());
                List<RevisionSummary> revisions = target.revisions(env.on());
                if (revisions.isEmpty()) {
                    result.add(ClusterStatus.of(cluster.name(), Optional.empty(), List.of()));
                    continue;
                }
                RevisionSummary current = revisions.get(0);
                List<ObjectNode> objects = target.revision(env.on(), current.number())
                        .map(Revision::objects)
                        .orElse(List.of());
                List<ObjectDrift> drifted = new ArrayList<>();
                driftOf(target, objects, target.get(objects))
                        .forEach((ref, drift) -> drifted.add(new ObjectDrift(ref, drift.fields())));
                result.add(ClusterStatus.of(cluster.name(), Optional.of(current), target.health(objects), drifted));
            } catch (ClusterFailureException e) {
                result.add(ClusterStatus.unavailable(e.failure()));
            }
        }
        return result;
    }

    /** Recorded revisions per cluster, newest first, without their contents. */
    public List<ClusterHistory> history(EnvironmentTarget env) {
        List<ClusterHistory> result = new ArrayList<>();
        for (Cluster cluster : env.group().clusters()) {
            try (ClusterTarget target = targets.open(cluster)) {
                target.preflight(env.namespace());
                result.add(ClusterHistory.of(cluster.name(), target.revisions(env.on())));
            } catch (ClusterFailureException e) {
                result.add(ClusterHistory.unavailable(e.failure()));
            }
        }
        return result;
    }

    @Override
    public void promoteStable(EnvironmentTarget env, String cluster, DeployOptions options) {
        throw new UnsupportedOperationException("tracks are being built");
    }

    @Override
    public void removeCanary(EnvironmentTarget env, String cluster) {
        throw new UnsupportedOperationException("tracks are being built");
    }

    @Override
    public void abortCanary(EnvironmentTarget env, String cluster, DeployOptions options) {
        throw new UnsupportedOperationException("tracks are being built");
    }

    // --- the deploy itself -------------------------------------------------------------------------------

    /**
     * Work for one cluster: the objects to converge to and, for rollbacks, the revision they come from.
     * Consecutive objects with the same batch key (same wave and kind) may be applied concurrently; objects
     * without a key are applied one at a time.
     */
    private record Job(
            Cluster cluster,
            AppEnvironment scope,
            List<ObjectNode> objects,
            OptionalInt rollbackOf,
            Map<ObjectRef, String> batchKeys,
            Release release,
            Optional<String> ref) {
        Job(Cluster cluster, AppEnvironment scope, List<ObjectNode> objects, OptionalInt rollbackOf) {
            this(cluster, scope, objects, rollbackOf, Map.of());
        }

        Job(
                Cluster cluster,
                AppEnvironment scope,
                List<ObjectNode> objects,
                OptionalInt rollbackOf,
                Map<ObjectRef, String> batchKeys) {
            this(cluster, scope, objects, rollbackOf, batchKeys, Release.NONE, Optional.empty());
        }

        /** The same work, recorded as part of {@code r}. */
        Job as(Release r) {
            return new Job(cluster, scope, objects, rollbackOf, batchKeys, r, ref);
        }

        /** The same work, recording {@code r} as its ref instead of the deploy's (a rollback keeps its target's). */
        Job withRef(String r) {
            return new Job(cluster, scope, objects, rollbackOf, batchKeys, release, Optional.of(r));
        }

        String name() {
            return cluster.name();
        }

        boolean sameBatch(ObjectRef a, ObjectRef b) {
            String key = batchKeys.get(a);
            return key != null && key.equals(batchKeys.get(b));
        }
    }

    /**
     * What one cluster looked like before anything was written: its plan, or why it could not be read. A
     * failure is kept, not thrown, so it surfaces when the deploy reaches that cluster in group order.
     */
    private record Look(Optional<Planned> made, Optional<ClusterFailureException> failure, boolean fresh) {
        static Look of(Planned planned) {
            return new Look(Optional.of(planned), Optional.empty(), true);
        }

        static Look failed(ClusterFailureException e) {
            return new Look(Optional.empty(), Optional.of(e), true);
        }

        /** The same look, to be confirmed before it may declare the cluster unchanged. */
        Look aged() {
            return new Look(made, failure, false);
        }

        Planned planned() {
            if (failure.isPresent()) {
                throw failure.get();
            }
            return made.orElseThrow();
        }
    }

    /** A plan together with the desired objects it was made from, keyed for apply. */
    private record Planned(
            ClusterPlan plan,
            Map<ObjectRef, ObjectNode> desired,
            Map<ObjectRef, ObjectNode> live,
            Optional<Revision> previous) {}

    /**
     * The release a group deploy records on every cluster: its id and what it put on each cluster (cluster →
     * content fingerprint), see {@link Releases}.
     */
    private record Release(String id, Map<String, String> contents) {
        static final Release NONE = new Release("", Map.of());
    }

    /** The jobs of one group deploy of {@code ref}, each to record the same release. */
    private static List<Job> released(List<Job> jobs, String ref) {
        Release release = releaseOf(jobs, ref);
        return jobs.stream().map(j -> j.as(release)).toList();
    }

    private static Release releaseOf(List<Job> jobs, String ref) {
        Map<String, String> contents = contentsOf(jobs);
        return new Release(Releases.id(ref, contents), contents);
    }

    private static Map<String, String> contentsOf(List<Job> jobs) {
        Map<String, String> contents = new LinkedHashMap<>();
        jobs.forEach(j -> contents.put(j.name(), Releases.contentOf(j.objects())));
        return contents;
    }

    /** @param beforeWrites told every cluster's look once all are read, before the first write */
    private DeployReport run(
            EnvironmentTarget env,
            List<Job> jobs,
            DeployOptions options,
            DeployListener listener,
            java.util.function.Consumer<Map<String, Look>> beforeWrites) {
        try (Connections connections = connect(jobs)) {
            if (!connections.failures().isEmpty()) {
                return notStarted(env, connections.failures());
            }
            // Reading is safe to do everywhere at once; only the writes go cluster by cluster.
            Map<String, Look> looks = lookAtAll(jobs, connections);
            beforeWrites.accept(looks);
            List<ClusterResult> results = env.group().parallel()
                    ? runParallel(jobs, connections, looks, options, listener)
                    : runInOrder(jobs, connections, looks, options, listener);
            return new DeployReport(env.app(), env.environment(), results, List.of());
        }
    }

    private List<ClusterResult> runInOrder(
            List<Job> jobs,
            Connections connections,
            Map<String, Look> looks,
            DeployOptions options,
            DeployListener listener) {
        List<ClusterResult> results = new ArrayList<>();
        boolean halted = false;
        boolean wroteEarlier = false;
        for (Job job : jobs) {
            if (halted) {
                results.add(ClusterResult.notStarted(job.name()));
                continue;
            }
            // Once an earlier cluster took time to converge, the looks at later ones may be out of date.
            Look look = looks.get(job.name());
            ClusterResult result = deployCluster(
                    connections.target(job.cluster()), job, wroteEarlier ? look.aged() : look, options, listener);
            results.add(result);
            halted = !result.succeeded();
            wroteEarlier |= result.outcome() != ClusterResult.Outcome.UNCHANGED;
        }
        return results;
    }

    private List<ClusterResult> runParallel(
            List<Job> jobs,
            Connections connections,
            Map<String, Look> looks,
            DeployOptions options,
            DeployListener listener) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs.size()), runnable -> {
            Thread thread = new Thread(runnable, "slipway-deploy");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<ClusterResult>> futures = new ArrayList<>();
            for (Job job : jobs) {
                futures.add(pool.submit(() -> deployCluster(
                        connections.target(job.cluster()), job, looks.get(job.name()), options, listener)));
            }
            List<ClusterResult> results = new ArrayList<>();
            for (Future<ClusterResult> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("deploy interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private ClusterResult deployCluster(
            ClusterTarget target, Job job, Look look, DeployOptions options, DeployListener listener) {
        ClusterResult result;
        try {
            result = deployLocked(target, job, look, options, listener);
        } catch (ClusterFailureException e) {
            result = ClusterResult.failed(e.failure(), Optional.empty(), OptionalInt.empty());
        }
        listener.clusterFinished(result);
        return result;
    }

    private ClusterResult deployLocked(
            ClusterTarget target, Job job, Look look, DeployOptions options, DeployListener listener) {
        AppEnvironment scope = job.scope();
        // Looked before locking (see lookAtAll): a redeploy with no change must not write even a lock.
        Planned first = look.planned();
        if (isUpToDate(first) && !look.fresh() && !newestRevision(target, scope).equals(number(first.previous()))) {
            // Another deploy recorded a revision here while earlier clusters converged: look again.
            first = planCluster(target, job, previousRevision(target, scope));
        }
        if (isUpToDate(first)) {
            return ClusterResult.unchanged(first.plan());
        }
        if (!first.plan().namespaceExists()) {
            // The lock lives in the namespace, so the namespace comes first.
            Timings.time(
                    job.name() + ": create namespace",
                    () -> target.ensureNamespace(
                            scope.namespace(), Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY)));
        }
        LockGrant grant = Timings.time(
                job.name() + ": lock", () -> target.lock(scope, options.holder(), clock.instant(), options.lockTtl()));
        if (grant instanceof LockGrant.Held held) {
            return ClusterResult.failed(
                    ClusterFailure.locked(job.name(), held.holder(), held.since(), held.expires()),
                    Optional.of(first.plan()),
                    OptionalInt.empty());
        }
        LockGrant.Acquired acquired = (LockGrant.Acquired) grant;
        DeployLock lock = acquired.lock();
        boolean release = true;
        try {
            Planned planned = first;
            if (acquired.takenOver()
                    || !Timings.time(
                                    job.name() + ": revision check under the lock", () -> newestRevision(target, scope))
                            .equals(number(first.previous()))) {
                // Another deploy changed the cluster between our look and the lock (every deploy that writes
                // records a revision, or dies holding the lock): plan again.
                planned = planCluster(target, job, previousRevision(target, scope));
                if (isUpToDate(planned)) {
                    return ClusterResult.unchanged(planned.plan());
                }
            }
            Converged converged = converge(target, job, planned, options, listener, lock);
            release = !converged.keepLock();
            return converged.result();
        } catch (LockKept e) {
            release = false;
            throw (RuntimeException) e.getCause();
        } finally {
            if (release) {
                Timings.time(job.name() + ": unlock", () -> target.unlock(lock));
            }
        }
    }

    /**
     * How a deploy that wrote ended on one cluster. {@code keepLock} when not even a failed revision could be
     * recorded: the lock then stays until it expires, so no deploy with an older plan records success over a
     * partial apply; whoever takes the expired lock over plans again.
     */
    private record Converged(ClusterResult result, boolean keepLock) {
        static Converged recorded(ClusterResult result) {
            return new Converged(result, false);
        }
    }

    /** Nothing to write and the last deploy ended well (a failed one is retried even without changes). */
    private static boolean isUpToDate(Planned planned) {
        return !planned.plan().hasChanges()
                && planned.previous()
                        .map(r -> r.outcome() == RevisionOutcome.SUCCEEDED)
                        .orElse(false);
    }

    private Converged converge(
            ClusterTarget target,
            Job job,
            Planned planned,
            DeployOptions options,
            DeployListener listener,
            DeployLock lock) {
        ClusterPlan plan = planned.plan();
        listener.clusterStarted(plan);
        int number = planned.previous().map(Revision::number).orElse(0) + 1;
        try {
            return Converged.recorded(write(target, job, planned, number, options, listener));
        } catch (ClusterFailureException e) {
            // The cluster may hold part of this deploy: record that, or keep the lock (see Converged).
            ClusterFailure failure = e.failure();
            try {
                record(target, job, number, options, RevisionOutcome.FAILED, failure.message());
                return Converged.recorded(ClusterResult.failed(failure, Optional.of(plan), OptionalInt.of(number)));
            } catch (ClusterFailureException recording) {
                ClusterFailure held = new ClusterFailure(
                        failure.cluster(),
                        failure.reason(),
                        failure.object(),
                        failure.message(),
                        failure.hint() + "; the deploy may have been applied in part and no revision could be"
                                + " recorded, so the deploy lock stays held until " + lock.expires()
                                + " (the next deploy after that plans again)");
                return new Converged(ClusterResult.failed(held, Optional.of(plan), OptionalInt.empty()), true);
            }
        } catch (RuntimeException e) {
            try {
                record(target, job, number, options, RevisionOutcome.FAILED, String.valueOf(e.getMessage()));
            } catch (RuntimeException recording) {
                e.addSuppressed(recording);
                throw new LockKept(e);
            }
            throw e;
        }
    }

    /** A bug surfaced mid-deploy and no revision could be recorded: the lock must not be released. */
    private static final class LockKept extends RuntimeException {
        LockKept(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Apply, prune, wait, record: everything from the first write on. The health watches start before the first
     * apply, so they are synced (and have seen what the cluster already did) when the writes end.
     */
    private ClusterResult write(
            ClusterTarget target,
            Job job,
            Planned planned,
            int number,
            DeployOptions options,
            DeployListener listener) {
        ClusterPlan plan = planned.plan();
        List<PlannedChange> toApply = plan.changes().stream()
                .filter(c -> c.action() == ChangeAction.CREATE
                        || c.action() == ChangeAction.UPDATE
                        || c.action() == ChangeAction.DRIFTED)
                .toList();
        HealthOutcome health;
        try (HealthWait wait = Timings.time(
                job.name() + ": start health watches",
                () -> target.watchHealth(job.objects(), h -> listener.health(job.name(), h)))) {
            Optional<ClusterResult> stopped = applyAll(target, job, planned, toApply, number, options, listener, wait);
            if (stopped.isPresent()) {
                return stopped.get();
            }
            for (PlannedChange change : plan.changes()) {
                if (change.action() == ChangeAction.DELETE) {
                    target.delete(planned.live().get(change.ref()));
                    listener.pruned(job.name(), change.ref());
                }
            }
            health = Timings.time(job.name() + ": health wait", () -> wait.await(options.timeout()));
        }
        Optional<ClusterFailure> failure = Optional.empty();
        if (health instanceof HealthOutcome.Failed f) {
            failure = Optional.of(ClusterFailure.unhealthy(job.name(), f.object()));
        } else if (health instanceof HealthOutcome.TimedOut t) {
            failure = Optional.of(ClusterFailure.timedOut(job.name(), t.pending(), options.timeout()));
        }
        RevisionOutcome outcome = failure.isPresent() ? RevisionOutcome.FAILED : RevisionOutcome.SUCCEEDED;
        String message = failure.map(ClusterFailure::message).orElse("");
        Timings.time(job.name() + ": record revision", () -> record(target, job, number, options, outcome, message));
        return failure.map(f -> ClusterResult.failed(f, Optional.of(plan), OptionalInt.of(number)))
                .orElseGet(() -> ClusterResult.deployed(plan, number));
    }

    /**
     * Applies {@code toApply} batch by batch (a batch: consecutive objects of one wave and kind, applied
     * concurrently); batches go in order, each after the previous one finished. A conflict or rejection records a
     * failed revision and ends the deploy on this cluster (returned); an API or transport error is thrown, after
     * every request of its batch has ended, for {@link #converge} to record.
     */
    private Optional<ClusterResult> applyAll(
            ClusterTarget target,
            Job job,
            Planned planned,
            List<PlannedChange> toApply,
            int number,
            DeployOptions options,
            DeployListener listener,
            HealthWait wait) {
        ExecutorService pool = Executors.newFixedThreadPool(APPLY_CONCURRENCY, daemonThreads("slipway-apply"));
        long applyStarted = System.nanoTime();
        try {
            int start = 0;
            while (start < toApply.size()) {
                int end = start + 1;
                while (end < toApply.size()
                        && job.sameBatch(
                                toApply.get(start).ref(), toApply.get(end).ref())) {
                    end++;
                }
                List<PlannedChange> batch = toApply.subList(start, end);
                List<ApplyResult> results = applyBatch(target, planned, batch, options, pool);
                for (int i = 0; i < batch.size(); i++) {
                    PlannedChange change = batch.get(i);
                    Optional<ClusterFailure> failure = Optional.empty();
                    if (results.get(i) instanceof ApplyResult.Conflict c) {
                        failure = Optional.of(ClusterFailure.conflict(job.name(), change.ref(), c.conflicts()));
                    } else if (results.get(i) instanceof ApplyResult.Rejected r) {
                        failure = Optional.of(ClusterFailure.rejected(job.name(), change.ref(), r.reason()));
                    } else if (results.get(i) instanceof ApplyResult.Applied a) {
                        wait.applied(a.live());
                    }
                    if (failure.isPresent()) {
                        record(
                                target,
                                job,
                                number,
                                options,
                                RevisionOutcome.FAILED,
                                failure.get().message());
                        return Optional.of(ClusterResult.failed(
                                failure.get(), Optional.of(planned.plan()), OptionalInt.of(number)));
                    }
                    listener.applied(job.name(), change);
                }
                start = end;
            }
        } finally {
            pool.shutdownNow();
        }
        Timings.since(job.name() + ": apply (" + toApply.size() + " objects)", applyStarted);
        return Optional.empty();
    }

    /** Applies one batch; objects of the same wave and kind do not depend on each other, so they go at once. */
    private static List<ApplyResult> applyBatch(
            ClusterTarget target,
            Planned planned,
            List<PlannedChange> batch,
            DeployOptions options,
            ExecutorService pool) {
        if (batch.size() == 1) {
            PlannedChange only = batch.get(0);
            return List.of(target.apply(planned.desired().get(only.ref()), force(only, options)));
        }
        List<Future<ApplyResult>> futures = new ArrayList<>();
        for (PlannedChange change : batch) {
            futures.add(pool.submit(() -> target.apply(planned.desired().get(change.ref()), force(change, options))));
        }
        // Every request of the batch ends before an error is thrown: nothing may land after the failed revision
        // that error leads to is recorded and the lock released.
        List<ApplyResult> results = new ArrayList<>();
        RuntimeException error = null;
        for (Future<ApplyResult> future : futures) {
            try {
                results.add(future.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("deploy interrupted", e);
            } catch (ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException runtime
                        ? runtime
                        : new IllegalStateException(e.getCause());
                if (error == null) {
                    error = cause;
                } else {
                    error.addSuppressed(cause);
                }
                results.add(null);
            }
        }
        if (error != null) {
            throw error;
        }
        return results;
    }

    /**
     * Repairing drift forces ownership of exactly the drifted object: an imperative change (kubectl scale,
     * edit, set image) moved its fields to another manager, and SSA gives them back only when forced.
     */
    private static boolean force(PlannedChange change, DeployOptions options) {
        return options.forceConflicts() || change.repairsDrift();
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private void record(
            ClusterTarget target, Job job, int number, DeployOptions options, RevisionOutcome outcome, String failure) {
        AppEnvironment scope = job.scope();
        Revision revision = Revision.of(
                        scope.app(),
                        scope.environment(),
                        job.name(),
                        number,
                        job.ref().orElse(options.ref()),
                        options.who(),
                        clock.instant(),
                        outcome,
                        job.rollbackOf(),
                        job.objects(),
                        failure)
                .withRelease(job.release().id(), job.release().contents());
        target.record(scope, revision);
        List<RevisionSummary> all = target.revisions(scope);
        for (int i = options.keepRevisions(); i < all.size(); i++) {
            target.forget(scope, all.get(i).number());
        }
    }

    private Planned planCluster(ClusterTarget target, Job job, Optional<Revision> previous) {
        AppEnvironment scope = job.scope();
        Map<ObjectRef, ObjectNode> desired = new LinkedHashMap<>();
        job.objects().forEach(o -> desired.put(ObjectRef.of(o), o));
        Map<ObjectRef, ObjectNode> lookup = new LinkedHashMap<>(desired);
        previous.ifPresent(r -> r.objects().forEach(o -> lookup.putIfAbsent(ObjectRef.of(o), o)));
        boolean namespaceExists = target.namespaceExists(scope.namespace());
        Map<ObjectRef, ObjectNode> live = target.get(lookup.values());
        ClusterPlan plan = Planner.plan(
                job.name(),
                scope.namespace(),
                namespaceExists,
                scope.app(),
                scope.environment(),
                job.objects(),
                live,
                previous,
                driftOf(target, job.objects(), live));
        return new Planned(plan, desired, live, previous);
    }

    /** The backend's verdict on each object that exists live; no extra reads. */
    private static Map<ObjectRef, Drift> driftOf(
            ClusterTarget target, List<ObjectNode> objects, Map<ObjectRef, ObjectNode> live) {
        Map<ObjectRef, Drift> drift = new LinkedHashMap<>();
        for (ObjectNode object : objects) {
            ObjectRef ref = ObjectRef.of(object);
            ObjectNode current = live.get(ref);
            if (current != null) {
                target.drift(object, current).ifPresent(d -> drift.put(ref, d));
            }
        }
        return drift;
    }

    private static OptionalInt newestRevision(ClusterTarget target, AppEnvironment scope) {
        List<RevisionSummary> revisions = target.revisions(scope);
        return revisions.isEmpty()
                ? OptionalInt.empty()
                : OptionalInt.of(revisions.get(0).number());
    }

    private static OptionalInt number(Optional<Revision> revision) {
        return revision.map(r -> OptionalInt.of(r.number())).orElse(OptionalInt.empty());
    }

    private static Optional<Revision> previousRevision(ClusterTarget target, AppEnvironment scope) {
        List<RevisionSummary> revisions = target.revisions(scope);
        return revisions.isEmpty()
                ? Optional.empty()
                : target.revision(scope, revisions.get(0).number());
    }

    private static List<Job> jobsOf(Rendering rendering, EnvironmentTarget env) {
        List<Job> jobs = new ArrayList<>();
        for (RenderedCluster rc : rendering.clusters()) {
            AppEnvironment scope = new AppEnvironment(env.app(), env.environment(), rc.namespace());
            List<ObjectNode> bodies = rc.objects().stream().map(Manifest::body).toList();
            Autoscaled autoscaled = Autoscaled.in(bodies, rc.namespace());
            List<ObjectNode> objects = bodies.stream()
                    .map(body -> prepare(autoscaled.withoutReplicas(body), scope))
                    .toList();
            jobs.add(new Job(rc.cluster(), scope, objects, OptionalInt.empty(), batchKeys(rc, objects)));
        }
        return jobs;
    }

    /** Wave and kind of each rendered object, as the renderer resolved them for this cluster. */
    private static Map<ObjectRef, String> batchKeys(RenderedCluster rc, List<ObjectNode> objects) {
        Map<ObjectRef, String> keys = new java.util.HashMap<>();
        for (int i = 0; i < objects.size(); i++) {
            ObjectRef ref = ObjectRef.of(objects.get(i));
            keys.put(ref, rc.waves().get(i) + "/" + ref.group() + "/" + ref.kind());
        }
        return keys;
    }

    /** Adds the ownership labels prune relies on and the fingerprint that makes no-op redeploys free. */
    static ObjectNode prepare(ObjectNode body, AppEnvironment scope) {
        ObjectNode copy = body.deepCopy();
        ObjectNode labels = copy.with("metadata").with("labels");
        labels.put(Labels.APP, scope.app());
        labels.put(Labels.ENV, scope.environment());
        labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY);
        return AppliedHash.stamp(copy);
    }

    private DeployReport notStarted(EnvironmentTarget env, List<ClusterFailure> failures) {
        List<ClusterResult> results = env.group().clusters().stream()
                .map(c -> ClusterResult.notStarted(c.name()))
                .toList();
        return new DeployReport(env.app(), env.environment(), results, failures);
    }

    // --- connections -------------------------------------------------------------------------------------

    /**
     * Plans every cluster at once, before the first write. Each plan is still checked under that cluster's
     * lock (deployLocked re-plans when a revision was recorded meanwhile), so looking early is as safe as
     * looking just before locking, and the group's clusters are read in parallel instead of one by one.
     */
    private Map<String, Look> lookAtAll(List<Job> jobs, Connections connections) {
        List<Future<Look>> futures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs.size()), daemonThreads("slipway-look"));
        try {
            for (Job job : jobs) {
                ClusterTarget target = connections.target(job.cluster());
                futures.add(pool.submit(() -> {
                    try {
                        return Timings.time(
                                job.name() + ": look (revision, live objects, plan)",
                                () -> Look.of(planCluster(target, job, previousRevision(target, job.scope()))));
                    } catch (ClusterFailureException e) {
                        return Look.failed(e);
                    }
                }));
            }
            Map<String, Look> looks = new LinkedHashMap<>();
            for (int i = 0; i < jobs.size(); i++) {
                looks.put(jobs.get(i).name(), await(futures.get(i)));
            }
            return looks;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Opens and preflights every cluster at once; failures are reported in group order. */
    private Connections connect(List<Job> jobs) {
        Connections connections = new Connections();
        List<Future<ClusterTarget>> futures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs.size()), daemonThreads("slipway-connect"));
        try {
            for (Job job : jobs) {
                futures.add(pool.submit(() -> {
                    ClusterTarget target =
                            Timings.time(job.name() + ": open (kubeconfig, client)", () -> targets.open(job.cluster()));
                    try {
                        Timings.time(
                                job.name() + ": preflight",
                                () -> target.preflight(job.scope().namespace()));
                    } catch (RuntimeException e) {
                        target.close();
                        throw e;
                    }
                    return target;
                }));
            }
            RuntimeException unexpected = null;
            for (int i = 0; i < jobs.size(); i++) {
                try {
                    connections.opened.put(jobs.get(i).name(), await(futures.get(i)));
                } catch (ClusterFailureException e) {
                    connections.failures.add(e.failure());
                } catch (RuntimeException e) {
                    // Keep collecting so every opened target is closed, then fail as before.
                    unexpected = unexpected == null ? e : unexpected;
                }
            }
            if (unexpected != null) {
                connections.close();
                throw unexpected;
            }
            return connections;
        } finally {
            pool.shutdownNow();
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("deploy interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The open targets of one command, closed together; preflight failures collected, not thrown. */
    private static final class Connections implements AutoCloseable {
        private final Map<String, ClusterTarget> opened = new LinkedHashMap<>();
        private final List<ClusterFailure> failures = new ArrayList<>();

        ClusterTarget target(Cluster cluster) {
            return opened.get(cluster.name());
        }

        List<ClusterFailure> failures() {
            return failures;
        }

        void throwIfUnavailable() {
            if (!failures.isEmpty()) {
                throw new InvalidInputException(
                        failures.stream().map(ClusterFailure::toProblem).toList());
            }
        }

        @Override
        public void close() {
            opened.values().forEach(ClusterTarget::close);
        }
    }
}
