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
import dev.slipway.core.rollout.Track;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.core.spec.ServiceSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;

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
        DeployReport report = run(env, released(jobs, options.ref()), options, listener, looks -> {});
        return withdrawnWhereACanaryFailed(env, report, options, listener);
    }

    /**
     * A canary that could not run on one cluster ends the new revision's rollout before it starts: the canaries
     * the same deploy brought up on earlier clusters are aborted too (their own objects deleted, shared ones put
     * back), so no canary is left running without a rollout. Their results say so through the listener and
     * are no longer canary clusters of the report.
     */
    private DeployReport withdrawnWhereACanaryFailed(
            EnvironmentTarget env, DeployReport report, DeployOptions options, DeployListener listener) {
        Optional<ClusterResult> failed = report.failedCanary();
        List<String> canaries = report.canaryClusters();
        if (failed.isEmpty() || canaries.isEmpty()) {
            return report;
        }
        List<ClusterResult> results = new ArrayList<>();
        List<String> withdrawn = new ArrayList<>();
        for (ClusterResult c : report.clusters()) {
            if (!canaries.contains(c.cluster())) {
                results.add(c);
                continue;
            }
            try {
                abortCanary(env, c.cluster(), options);
                listener.progress(
                        c.cluster(),
                        "canary removed: the canary failed on " + failed.get().cluster() + ", so this revision is"
                                + " not rolled out; stable serves as before");
                results.add(c.on(Track.STABLE));
                withdrawn.add(c.cluster());
            } catch (ClusterFailureException e) {
                listener.progress(
                        c.cluster(),
                        "the canary could not be removed (" + e.failure().message()
                                + "); `slipway rollout abort` or the next deploy replaces it");
                results.add(c);
            }
        }
        return new DeployReport(report.app(), report.environment(), results, report.preflightFailures(), withdrawn);
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
            List<ClusterFailure> frozen = frozen(placeholders, connections, options);
            if (!frozen.isEmpty()) {
                return notStarted(env, frozen);
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
            Job job = new Job(placeholder.cluster(), env.on(), r.objects(), OptionalInt.of(r.number()))
                    .withRef(r.summary().ref());
            if (TrackObjects.tracked(r.objects())) {
                // In an environment with a rollout a rollback restores the stable track (a canary's revision
                // holds both tracks: its stable objects are the release's) and the plan prunes any canary.
                List<ObjectNode> stable = TrackObjects.stable(r.objects());
                job = job.on(Track.STABLE, stable, stable);
            }
            jobs.add(job);
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
        onCluster(env, cluster, target -> {
            AppEnvironment scope = env.on();
            List<RevisionSummary> revisions = target.revisions(scope);
            Optional<RevisionSummary> canary = unsettledCanary(revisions);
            if (canary.isEmpty()) {
                return; // promoted already (or nothing to promote)
            }
            Revision c =
                    target.revision(scope, canary.get().number()).orElseThrow(() -> missing(cluster, canary.get()));
            List<ObjectNode> stable = TrackObjects.stable(c.objects());
            Job job = new Job(
                            target(env, cluster),
                            scope,
                            stable,
                            OptionalInt.empty(),
                            batchKeys(stable.stream().map(o -> 0).toList(), stable))
                    .withRef(c.summary().ref())
                    .as(new Release(c.release(), c.releaseContents()))
                    .promotion();
            ClusterResult result = deployLocked(
                    target,
                    job,
                    Look.of(lookAt(target, job)),
                    options.withRef(c.summary().ref()),
                    DeployListener.NONE);
            if (result.failure().isPresent()) {
                throw new ClusterFailureException(result.failure().get());
            }
            if (result.outcome() == ClusterResult.Outcome.UNCHANGED) {
                // Stable already runs what the canary ran: record that it is promoted all the same.
                locked(
                        target,
                        scope,
                        options,
                        () -> record(
                                target,
                                job,
                                newestRevision(target, scope).orElse(0) + 1,
                                options,
                                RevisionOutcome.SUCCEEDED,
                                ""));
            }
        });
    }

    @Override
    public void removeCanary(EnvironmentTarget env, String cluster) {
        onCluster(env, cluster, target -> {
            AppEnvironment scope = env.on();
            List<RevisionSummary> revisions = target.revisions(scope);
            Optional<RevisionSummary> canary =
                    revisions.stream().filter(RevisionSummary::canary).findFirst();
            if (canary.isEmpty()) {
                return;
            }
            if (unsettledCanary(revisions).isPresent()) {
                throw new IllegalStateException("cluster " + cluster + ": the canary (revision "
                        + canary.get().number() + ") is not promoted yet; promote it or abort the rollout");
            }
            Revision c =
                    target.revision(scope, canary.get().number()).orElseThrow(() -> missing(cluster, canary.get()));
            locked(
                    target,
                    scope,
                    DeployOptions.by(ROLLOUT),
                    () -> removeObjects(target, TrackObjects.canaryOwn(c.objects())));
        });
    }

    @Override
    public void abortCanary(EnvironmentTarget env, String cluster, DeployOptions options) {
        onCluster(env, cluster, target -> {
            AppEnvironment scope = env.on();
            List<RevisionSummary> revisions = target.revisions(scope);
            Optional<RevisionSummary> canary = unsettledCanary(revisions);
            if (canary.isEmpty()) {
                return; // aborted already, or promoted: nothing of a canary is left to remove
            }
            Revision c =
                    target.revision(scope, canary.get().number()).orElseThrow(() -> missing(cluster, canary.get()));
            Optional<Revision> stable = newestSucceededStable(target, scope, revisions);
            locked(target, scope, options, () -> {
                removeObjects(target, TrackObjects.canaryOwn(c.objects()));
                if (stable.isEmpty()) {
                    return;
                }
                Revision s = stable.get();
                restoreShared(target, env, cluster, s, c.objects());
                // Recorded as a rollback of stable, so history shows the abort and the next look starts from it.
                Job restored = new Job(target(env, cluster), scope, s.objects(), OptionalInt.of(s.number()))
                        .withRef(s.summary().ref())
                        .as(new Release(s.release(), s.releaseContents()))
                        .on(Track.STABLE, s.objects(), s.objects());
                record(
                        target,
                        restored,
                        newestRevision(target, scope).orElse(0) + 1,
                        options,
                        RevisionOutcome.SUCCEEDED,
                        "");
            });
        });
    }

    /** Who takes the deploy lock to remove a promoted canary. */
    private static final String ROLLOUT = "slipway rollout";

    /**
     * The canary revision newer than the newest successful stable one: a canary brought up and neither promoted
     * nor aborted (a failed promotion or abort leaves it so, and is done again).
     */
    private static Optional<RevisionSummary> unsettledCanary(List<RevisionSummary> revisions) {
        for (RevisionSummary r : revisions) {
            if (r.canary()) {
                return Optional.of(r);
            }
            if (r.outcome() == RevisionOutcome.SUCCEEDED) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Optional<Revision> newestSucceededStable(
            ClusterTarget target, AppEnvironment scope, List<RevisionSummary> revisions) {
        return revisions.stream()
                .filter(r -> !r.canary() && r.outcome() == RevisionOutcome.SUCCEEDED)
                .findFirst()
                .flatMap(r -> target.revision(scope, r.number()));
    }

    /**
     * Puts back the objects both tracks share as {@code stable} applied them, deleting shared objects only the
     * canary brought ({@code canary}: every object of the canary's revision). Stable's own objects were never
     * touched by the canary and are left alone.
     */
    private void restoreShared(
            ClusterTarget target, EnvironmentTarget env, String cluster, Revision stable, List<ObjectNode> canary) {
        List<ObjectNode> shared = TrackObjects.shared(stable.objects());
        Job job = new Job(target(env, cluster), env.on(), shared, OptionalInt.of(stable.number()));
        Revision before = stable.holding(TrackObjects.shared(canary));
        Planned planned = planCluster(target, job, Optional.of(before), OptionalInt.empty());
        for (PlannedChange change : planned.plan().changes()) {
            switch (change.action()) {
                case CREATE, UPDATE, DRIFTED -> {
                    ApplyResult result = target.apply(planned.desired().get(change.ref()), true);
                    if (result instanceof ApplyResult.Rejected r) {
                        throw new ClusterFailureException(ClusterFailure.rejected(cluster, change.ref(), r.reason()));
                    }
                }
                case DELETE -> target.delete(planned.live().get(change.ref()));
                default -> {}
            }
        }
    }

    /** Deletes {@code objects}, the last first; those already gone are skipped. */
    private static void removeObjects(ClusterTarget target, List<ObjectNode> objects) {
        List<ObjectNode> reversed = new ArrayList<>(objects);
        java.util.Collections.reverse(reversed);
        reversed.forEach(target::delete);
    }

    /** Opens and preflights one cluster of {@code env}'s group for {@code work}. */
    private void onCluster(EnvironmentTarget env, String cluster, java.util.function.Consumer<ClusterTarget> work) {
        try (ClusterTarget target = targets.open(target(env, cluster))) {
            target.preflight(env.namespace());
            work.accept(target);
        }
    }

    private static Cluster target(EnvironmentTarget env, String cluster) {
        return env.group()
                .cluster(cluster)
                .orElseThrow(() -> new IllegalArgumentException(
                        "no cluster '" + cluster + "' in group " + env.group().name()));
    }

    private static IllegalStateException missing(String cluster, RevisionSummary revision) {
        return new IllegalStateException(
                "cluster " + cluster + ": revision " + revision.number() + " is listed but its record cannot be read");
    }

    /** Runs {@code work} holding the deploy lock of {@code scope}; refused when another deploy holds it. */
    private void locked(ClusterTarget target, AppEnvironment scope, DeployOptions options, Runnable work) {
        LockGrant grant = target.lock(scope, options.holder(), clock.instant(), options.lockTtl());
        if (grant instanceof LockGrant.Held held) {
            throw new ClusterFailureException(
                    ClusterFailure.locked(target.cluster(), held.holder(), held.since(), held.expires()));
        }
        DeployLock lock = ((LockGrant.Acquired) grant).lock();
        try {
            work.run();
        } finally {
            target.unlock(lock);
        }
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
            Optional<String> ref,
            Tracks tracks) {
        Job(Cluster cluster, AppEnvironment scope, List<ObjectNode> objects, OptionalInt rollbackOf) {
            this(cluster, scope, objects, rollbackOf, Map.of());
        }

        Job(
                Cluster cluster,
                AppEnvironment scope,
                List<ObjectNode> objects,
                OptionalInt rollbackOf,
                Map<ObjectRef, String> batchKeys) {
            this(cluster, scope, objects, rollbackOf, batchKeys, Release.NONE, Optional.empty(), Tracks.IN_PLACE);
        }

        /** The same work, recorded as part of {@code r}. */
        Job as(Release r) {
            return new Job(cluster, scope, objects, rollbackOf, batchKeys, r, ref, tracks);
        }

        /** The same work, recording {@code r} as its ref instead of the deploy's (a rollback keeps its target's). */
        Job withRef(String r) {
            return new Job(cluster, scope, objects, rollbackOf, batchKeys, release, Optional.of(r), tracks);
        }

        /** The same work holding both tracks' objects: which track it writes is decided per cluster. */
        Job split() {
            return new Job(cluster, scope, objects, rollbackOf, batchKeys, release, ref, Tracks.SPLIT);
        }

        /** Writes {@code apply} (part of this job's objects) as track {@code t}, recording {@code record}. */
        Job on(Track t, List<ObjectNode> apply, List<ObjectNode> record) {
            return new Job(
                    cluster,
                    scope,
                    apply,
                    rollbackOf,
                    batchKeys,
                    release,
                    ref,
                    new Tracks(Optional.of(t), record, false));
        }

        /** The same work as a promotion: planned against the stable revision, never against the canary's. */
        Job promotion() {
            return new Job(
                    cluster,
                    scope,
                    objects,
                    rollbackOf,
                    batchKeys,
                    release,
                    ref,
                    new Tracks(Optional.of(Track.STABLE), objects, true));
        }

        /** What the revision records: every object of both tracks for a canary, else the objects written. */
        List<ObjectNode> recorded() {
            return tracks.recorded() == null ? objects : tracks.recorded();
        }

        ClusterResult result(ClusterResult result) {
            return tracks.track().map(result::on).orElse(result);
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
     * Which track a job writes: none (in place, no rollout), not yet decided (objects of both tracks; decided per
     * cluster at look time, see {@link #lookAt}), or one track and the objects its revision records.
     */
    private record Tracks(Optional<Track> track, List<ObjectNode> recorded, boolean promotion) {
        static final Tracks IN_PLACE = new Tracks(Optional.empty(), null, false);
        static final Tracks SPLIT = new Tracks(Optional.empty(), List.of(), false);

        boolean undecided() {
            return this == SPLIT;
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

    /**
     * A plan together with the desired objects it was made from, keyed for apply.
     *
     * @param job the work as decided for this cluster (in an environment with a rollout: which track)
     * @param previous what the plan prunes against and calls unchanged against
     * @param newest the newest revision recorded when looking, which a new one follows
     */
    private record Planned(
            Job job,
            ClusterPlan plan,
            Map<ObjectRef, ObjectNode> desired,
            Map<ObjectRef, ObjectNode> live,
            Optional<Revision> previous,
            OptionalInt newest) {}

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
            List<ClusterFailure> frozen = frozen(jobs, connections, options);
            if (!frozen.isEmpty()) {
                return notStarted(env, frozen);
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
        if (isUpToDate(first) && !look.fresh() && !newestRevision(target, scope).equals(first.newest())) {
            // Another deploy recorded a revision here while earlier clusters converged: look again.
            first = lookAt(target, job);
        }
        if (isUpToDate(first)) {
            return first.job().result(ClusterResult.unchanged(first.plan()));
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
            return first.job()
                    .result(ClusterResult.failed(
                            ClusterFailure.locked(job.name(), held.holder(), held.since(), held.expires()),
                            Optional.of(first.plan()),
                            OptionalInt.empty()));
        }
        LockGrant.Acquired acquired = (LockGrant.Acquired) grant;
        DeployLock lock = acquired.lock();
        boolean release = true;
        try {
            Planned planned = first;
            if (acquired.takenOver()
                    || !Timings.time(
                                    job.name() + ": revision check under the lock", () -> newestRevision(target, scope))
                            .equals(first.newest())) {
                // Another deploy changed the cluster between our look and the lock (every deploy that writes
                // records a revision, or dies holding the lock): plan again.
                planned = lookAt(target, job);
                if (isUpToDate(planned)) {
                    return planned.job().result(ClusterResult.unchanged(planned.plan()));
                }
            }
            Converged converged = converge(target, planned, options, listener, lock);
            release = !converged.keepLock();
            return planned.job().result(converged.result());
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
            ClusterTarget target, Planned planned, DeployOptions options, DeployListener listener, DeployLock lock) {
        Job job = planned.job();
        ClusterPlan plan = planned.plan();
        listener.clusterStarted(plan);
        int number = planned.newest().orElse(0) + 1;
        try {
            ClusterResult written = write(target, job, planned, number, options, listener);
            if (!written.succeeded() && job.tracks().track().equals(Optional.of(Track.CANARY))) {
                return Converged.recorded(withdrawCanary(target, planned, written, options));
            }
            return Converged.recorded(written);
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

    /**
     * A canary that failed on its cluster (never healthy, refused, timed out) is taken away at once: its own
     * objects deleted, the shared ones put back as stable applied them. Stable's workloads were never touched, so
     * stable serves as before. The failure stays the cluster's result; its hint says what was done.
     */
    private ClusterResult withdrawCanary(
            ClusterTarget target, Planned planned, ClusterResult failed, DeployOptions options) {
        Job job = planned.job();
        ClusterFailure failure = failed.failure().orElseThrow();
        String done;
        try {
            removeObjects(target, TrackObjects.canaryOwn(job.objects()));
            Optional<Revision> stable = newestSucceededStable(target, job.scope(), target.revisions(job.scope()));
            if (stable.isPresent()) {
                EnvironmentTarget env = new EnvironmentTarget(
                        job.scope().app(),
                        job.scope().environment(),
                        new dev.slipway.core.cluster.ClusterGroup(job.name(), false, List.of(job.cluster())),
                        job.scope().namespace());
                restoreShared(target, env, job.name(), stable.get(), job.recorded());
            }
            done = "the canary was removed and stable left serving as it was";
        } catch (RuntimeException e) {
            done = "removing the canary failed too (" + e.getMessage() + "); `slipway rollout abort` removes it";
        }
        ClusterFailure withdrawn = new ClusterFailure(
                failure.cluster(),
                failure.reason(),
                failure.object(),
                "the canary never became healthy: " + withoutPrefix(failure.message(), "did not become healthy: "),
                done + "; " + failure.hint());
        return ClusterResult.failed(withdrawn, failed.plan(), failed.revision());
    }

    private static String withoutPrefix(String text, String prefix) {
        return text.startsWith(prefix) ? text.substring(prefix.length()) : text;
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
                        job.recorded(),
                        failure)
                .withRelease(job.release().id(), job.release().contents());
        if (job.tracks().track().isPresent()) {
            revision = revision.onTrack(job.tracks().track().get());
        }
        target.record(scope, revision);
        List<RevisionSummary> all = target.revisions(scope);
        // The newest stable revision outlives any number of canaries after it: a promotion prunes against it.
        Optional<RevisionSummary> stable = all.stream().filter(r -> !r.canary()).findFirst();
        for (int i = options.keepRevisions(); i < all.size(); i++) {
            if (!stable.equals(Optional.of(all.get(i)))) {
                target.forget(scope, all.get(i).number());
            }
        }
    }

    private Planned planCluster(ClusterTarget target, Job job, Optional<Revision> previous, OptionalInt newest) {
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
        return new Planned(job, plan, desired, live, previous, newest);
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

    /**
     * Reads what {@code job} is to change on this cluster. In place (no rollout) and for rollbacks: against the
     * newest revision. In an environment with a rollout the cluster's history decides the track:
     *
     * <ul>
     *   <li>stable, in place, when there is no stable revision to run beside (a first deploy), when the stable
     *       one failed or was recorded before the rollout was configured (its objects have no track), or when
     *       the stable track would not change (a redeploy of what stable runs);
     *   <li>else canary: the canary's objects and the shared ones are applied, planned against the canary
     *       revision after the stable one if any (so a new canary replaces an older one, and nothing of stable
     *       is pruned), and every object of both tracks is recorded.
     * </ul>
     */
    private Planned lookAt(ClusterTarget target, Job job) {
        AppEnvironment scope = job.scope();
        List<RevisionSummary> revisions = target.revisions(scope);
        OptionalInt newest = revisions.isEmpty()
                ? OptionalInt.empty()
                : OptionalInt.of(revisions.get(0).number());
        if (job.tracks().promotion()) {
            return planCluster(target, job, newestStable(target, scope, revisions), newest);
        }
        if (!job.tracks().undecided()) {
            Optional<Revision> previous =
                    newest.isEmpty() ? Optional.empty() : target.revision(scope, newest.getAsInt());
            return planCluster(target, job, previous, newest);
        }
        List<ObjectNode> stableObjects = TrackObjects.stable(job.objects());
        Optional<Revision> stable = newestStable(target, scope, revisions);
        boolean inPlace = stable.isEmpty()
                || stable.get().outcome() != RevisionOutcome.SUCCEEDED
                || !TrackObjects.tracked(stable.get().objects())
                || Releases.contentOf(stableObjects)
                        .equals(Releases.contentOf(stable.get().objects()));
        if (inPlace) {
            return planCluster(target, job.on(Track.STABLE, stableObjects, stableObjects), stable, newest);
        }
        Optional<Revision> canary = revisions.get(0).canary()
                ? target.revision(scope, revisions.get(0).number())
                        .map(r -> r.holding(TrackObjects.canaryOwn(r.objects())))
                : Optional.empty();
        return planCluster(
                target, job.on(Track.CANARY, TrackObjects.canary(job.objects()), job.objects()), canary, newest);
    }

    /** The newest revision that is not a canary's: what the stable track runs. */
    private static Optional<Revision> newestStable(
            ClusterTarget target, AppEnvironment scope, List<RevisionSummary> revisions) {
        return revisions.stream().filter(r -> !r.canary()).findFirst().flatMap(r -> target.revision(scope, r.number()));
    }

    private static List<Job> jobsOf(Rendering rendering, EnvironmentTarget env) {
        boolean rollout = rendering
                .app()
                .spec()
                .environment(env.environment())
                .flatMap(EnvironmentSpec::rollout)
                .isPresent();
        Set<String> routable = rendering.app().spec().services().stream()
                .filter(ServiceSpec::deploysToClusters)
                .map(ServiceSpec::name)
                .collect(Collectors.toSet());
        List<Job> jobs = new ArrayList<>();
        for (RenderedCluster rc : rendering.clusters()) {
            AppEnvironment scope = new AppEnvironment(env.app(), env.environment(), rc.namespace());
            List<ObjectNode> bodies = rc.objects().stream().map(Manifest::body).toList();
            Autoscaled autoscaled = Autoscaled.in(bodies, rc.namespace());
            List<ObjectNode> objects = new ArrayList<>();
            List<Integer> waves = new ArrayList<>();
            for (int i = 0; i < bodies.size(); i++) {
                ObjectNode body = autoscaled.withoutReplicas(bodies.get(i));
                for (ObjectNode o : rollout ? TrackObjects.expand(body, routable) : List.of(body)) {
                    objects.add(prepare(o, scope));
                    waves.add(rc.waves().get(i));
                }
            }
            Job job = new Job(rc.cluster(), scope, objects, OptionalInt.empty(), batchKeys(waves, objects));
            jobs.add(rollout ? job.split() : job);
        }
        return jobs;
    }

    /** Wave and kind of each object, the wave as the renderer resolved it for this cluster. */
    private static Map<ObjectRef, String> batchKeys(List<Integer> waves, List<ObjectNode> objects) {
        Map<ObjectRef, String> keys = new java.util.HashMap<>();
        for (int i = 0; i < objects.size(); i++) {
            ObjectRef ref = ObjectRef.of(objects.get(i));
            keys.put(ref, waves.get(i) + "/" + ref.group() + "/" + ref.kind());
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
                                () -> Look.of(lookAt(target, job)));
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

    /**
     * The clusters where a freeze holds the environment now, as refusals naming who froze it, why and until when;
     * none when the deploy carries an override reason.
     */
    private List<ClusterFailure> frozen(List<Job> jobs, Connections connections, DeployOptions options) {
        if (options.freezeOverride().isPresent()) {
            return List.of();
        }
        Instant now = clock.instant();
        List<ClusterFailure> refusals = new ArrayList<>();
        for (Job job : jobs) {
            holding(connections.target(job.cluster()), job.scope(), now)
                    .ifPresent(h -> refusals.add(new ClusterFailure(
                            job.name(),
                            ClusterFailure.Reason.FROZEN,
                            Optional.empty(),
                            job.scope().environment() + " is " + h.freeze().describe(),
                            "wait" + h.freeze().until().map(u -> " until " + u).orElse("") + ", " + h.lift()
                                    + ", or, for a fix that cannot wait, deploy once with --override-freeze"
                                    + " REASON")));
        }
        return refusals;
    }

    /** A freeze that holds, with how it is lifted (for the refusal's advice). */
    private record Holding(Freeze freeze, String lift) {
        /** Ends last: the one a deploy has to wait for. No end is the latest. */
        static Comparator<Holding> BY_END =
                Comparator.comparing(h -> h.freeze().until().orElse(Instant.MAX));
    }

    /**
     * What freezes {@code scope} on {@code target} at {@code now}: the app's own freeze, the environment's freeze
     * for every app, or a recurring window of the cluster's freeze windows file — the one that ends last.
     */
    private static Optional<Holding> holding(ClusterTarget target, AppEnvironment scope, Instant now) {
        List<Holding> all = new ArrayList<>();
        target.freeze(scope)
                .filter(f -> f.holdsAt(now))
                .ifPresent(f -> all.add(new Holding(
                        f,
                        "ask " + f.by() + " to unfreeze it (slipway unfreeze " + scope.app() + " --env "
                                + scope.environment() + ")")));
        target.environmentFreeze(scope.environment())
                .filter(f -> f.holdsAt(now))
                .ifPresent(f -> all.add(new Holding(
                        f,
                        "ask " + f.by() + " to unfreeze it (slipway unfreeze --env " + scope.environment()
                                + " --all-apps)")));
        target.freezeWindows()
                .flatMap(text -> windowFreeze(target.cluster(), text, scope.environment(), now))
                .ifPresent(f -> all.add(new Holding(
                        f,
                        "it is a recurring window of the clusters' freeze windows (slipway freeze-windows show);"
                                + " a change to the windows file is made with slipway freeze-windows set FILE")));
        return all.stream().max(Holding.BY_END);
    }

    /**
     * The window of a cluster's freeze windows file holding {@code environment} at {@code now}. A file that cannot
     * be read (edited by hand on the cluster) freezes every environment: better refused than deployed through.
     */
    private static Optional<Freeze> windowFreeze(String cluster, String text, String environment, Instant now) {
        try {
            return FreezeWindows.parse(text, java.nio.file.Path.of(FREEZE_WINDOWS_SOURCE))
                    .activeAt(environment, now);
        } catch (InvalidInputException e) {
            return Optional.of(new Freeze(
                    "the freeze windows of cluster " + cluster,
                    "they cannot be read (" + e.problems().get(0).describe() + "); set them again with slipway"
                            + " freeze-windows set FILE",
                    Instant.EPOCH,
                    Optional.empty()));
        }
    }

    /** Where a cluster keeps its freeze windows file, as its problems name it. */
    static final String FREEZE_WINDOWS_SOURCE = "configmap slipway-system/slipway-freeze-windows";

    /**
     * The freeze holding {@code env} now on each cluster of its group that could be read and is frozen — its
     * own, its environment's for every app, or a recurring window — by cluster, in group order. The rollout
     * controller holds its steps while any is.
     */
    @Override
    public Map<String, Freeze> holdingFreezes(EnvironmentTarget env) {
        Instant now = clock.instant();
        Map<String, Freeze> frozen = new LinkedHashMap<>();
        onEach(
                placeholders(env),
                (job, target) -> holding(target, job.scope(), now).ifPresent(h -> frozen.put(job.name(), h.freeze())));
        return frozen;
    }

    /**
     * Sets {@code freeze} (or, empty, lifts it) as the every-app freeze of environment name {@code environment}
     * on each of {@code clusters}, each reachable one whatever the others do; the clusters it could not reach are
     * returned.
     */
    public List<ClusterFailure> setEnvironmentFreeze(
            List<Cluster> clusters, String environment, Optional<Freeze> freeze) {
        return onEach(clusters, target -> target.setEnvironmentFreeze(environment, freeze));
    }

    /** The every-app freeze of {@code environment} on each of {@code clusters} that could be read, by cluster. */
    public Map<String, Optional<Freeze>> environmentFreezes(List<Cluster> clusters, String environment) {
        Map<String, Optional<Freeze>> freezes = new LinkedHashMap<>();
        onEach(clusters, target -> freezes.put(target.cluster(), target.environmentFreeze(environment)));
        return freezes;
    }

    /** Keeps {@code text} (a freeze windows file, already validated) on each of {@code clusters}, or removes it. */
    public List<ClusterFailure> setFreezeWindows(List<Cluster> clusters, Optional<String> text) {
        return onEach(clusters, target -> target.setFreezeWindows(text));
    }

    /** The freeze windows file text each of {@code clusters} that could be read keeps, by cluster. */
    public Map<String, Optional<String>> freezeWindows(List<Cluster> clusters) {
        Map<String, Optional<String>> windows = new LinkedHashMap<>();
        onEach(clusters, target -> windows.put(target.cluster(), target.freezeWindows()));
        return windows;
    }

    /** Runs {@code action} on each of {@code clusters}, whose Slipway-wide objects live in slipway-system. */
    private List<ClusterFailure> onEach(List<Cluster> clusters, Consumer<ClusterTarget> action) {
        List<Job> system = clusters.stream()
                .map(c -> new Job(
                        c,
                        new AppEnvironment("slipway", "system", Labels.SYSTEM_NAMESPACE),
                        List.of(),
                        OptionalInt.empty()))
                .toList();
        return onEach(system, (job, target) -> action.accept(target));
    }

    /** A job per cluster of {@code env}'s group, with no objects: for reads and writes beside a deploy. */
    private static List<Job> placeholders(EnvironmentTarget env) {
        return env.group().clusters().stream()
                .map(c -> new Job(c, env.on(), List.of(), OptionalInt.empty()))
                .toList();
    }

    /**
     * Opens each job's cluster and runs {@code action} on it, each reachable one whatever the others do; returns the
     * clusters that could not be reached or failed, so the caller can say where it did not take.
     */
    private List<ClusterFailure> onEach(List<Job> jobs, java.util.function.BiConsumer<Job, ClusterTarget> action) {
        try (Connections connections = connect(jobs)) {
            List<ClusterFailure> failures = new ArrayList<>(connections.failures());
            for (Job job : jobs) {
                ClusterTarget target = connections.target(job.cluster());
                if (target == null) {
                    continue;
                }
                try {
                    action.accept(job, target);
                } catch (ClusterFailureException e) {
                    failures.add(e.failure());
                }
            }
            return failures;
        }
    }

    /**
     * Sets {@code freeze} (or, empty, lifts it) on every cluster of {@code env}'s group, each reachable cluster
     * whatever the others do; the clusters it could not reach are returned, so the caller can say where it did not
     * take.
     */
    public List<ClusterFailure> setFreeze(EnvironmentTarget env, Optional<Freeze> freeze) {
        return onEach(placeholders(env), (job, target) -> target.setFreeze(job.scope(), freeze));
    }

    /** The environment's freeze on each cluster of its group that could be read, by cluster, in group order. */
    public Map<String, Optional<Freeze>> freezes(EnvironmentTarget env) {
        Map<String, Optional<Freeze>> freezes = new LinkedHashMap<>();
        onEach(placeholders(env), (job, target) -> freezes.put(job.name(), target.freeze(job.scope())));
        return freezes;
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
