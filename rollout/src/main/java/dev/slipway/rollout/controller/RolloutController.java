package dev.slipway.rollout.controller;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.rollout.RolloutStep;
import dev.slipway.core.spec.Durations;
import dev.slipway.router.Stage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves an environment's rollout through its steps on its own: every {@link #tick} judges the canary's last
 * window of requests, moves a step on when it held for its {@code for:} and the check passed, aborts on a
 * breach, and promotes after the last step; people pause, resume, promote, abort and retry. Pure logic on
 * injected seams ({@link RolloutStore}, {@link TrafficStats}, {@link Traffic}, {@link Tracks},
 * {@link RolloutEvents}) and an injected clock, so tests drive it through every transition without sleeping.
 *
 * <p>Every change is stored before it is acted on (stage set, tracks called), so a controller restarted at
 * any point resumes from the stored state: it first sets every cluster's stored stage again (never a flap
 * to 0 % or 100 %), then makes any call to the tracks the state still owes. See docs/rollouts.md for the
 * rules.
 *
 * <p>Methods are synchronized: one controller works on one rollout at a time. Several controllers on one
 * store are kept apart by the store's compare-and-set ({@link StaleRolloutException}).
 */
public final class RolloutController {
    /** The actor of transitions the controller decided on its own. */
    public static final String CONTROLLER = "controller";

    private static final Logger log = LoggerFactory.getLogger(RolloutController.class);

    private final RolloutStore store;
    private final TrafficStats stats;
    private final Traffic traffic;
    private final Tracks tracks;
    private final RolloutEvents events;
    private final Clock clock;
    private final FreezeGate freezes;
    // The start of each rollout's current analysis window (in memory: after a restart the first tick opens one).
    private final Map<RolloutKey, WindowStart> windows = new HashMap<>();
    // Rollouts whose stored stages this controller has set since it started.
    private final Set<RolloutKey> stagesApplied = new HashSet<>();
    // Clusters whose stored stage could not be set yet: no canary is removed before traffic left it.
    private final Set<String> stagesOwed = new HashSet<>();

    private record WindowStart(String signature, Instant at, TrafficReading reading) {}

    public RolloutController(
            RolloutStore store, TrafficStats stats, Traffic traffic, Tracks tracks, RolloutEvents events, Clock clock) {
        this(store, stats, traffic, tracks, events, clock, FreezeGate.none());
    }

    /** With {@code freezes}: while one holds the environment, no traffic moves forward ({@link FreezeGate}). */
    public RolloutController(
            RolloutStore store,
            TrafficStats stats,
            Traffic traffic,
            Tracks tracks,
            RolloutEvents events,
            Clock clock,
            FreezeGate freezes) {
        this.freezes = Objects.requireNonNull(freezes, "freezes");
        this.store = Objects.requireNonNull(store, "store");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.traffic = Objects.requireNonNull(traffic, "traffic");
        this.tracks = Objects.requireNonNull(tracks, "tracks");
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The stored state of a rollout, if it has one. */
    public synchronized Optional<RolloutState> status(RolloutKey key) {
        return store.load(key).map(RolloutStore.StoredRollout::state);
    }

    /**
     * Starts rolling {@code revision} out to {@code clusters} (in the group's order), whose canaries run:
     * the first cluster ({@code one-by-one}) or all of them ({@code together}) enter the first step.
     *
     * @throws InvalidInputException when a rollout of the environment is still under way
     */
    public synchronized RolloutState start(
            RolloutKey key, RolloutSpec spec, String revision, List<String> clusters, String actor) {
        Optional<RolloutStore.StoredRollout> existing = store.load(key);
        if (existing.isPresent() && !settled(existing.get().state())) {
            throw refused(
                    key,
                    "a rollout of revision " + existing.get().state().revision() + " is under way",
                    "wait until it is promoted, or abort it: slipway rollout abort " + key.app() + " --env "
                            + key.environment());
        }
        Instant now = clock.instant();
        RolloutState state = new RolloutState(
                key,
                revision,
                spec,
                now,
                actor,
                clusters.stream().map(ClusterRollout::pending).toList(),
                Set.of());
        Session s = new Session(
                state, existing.map(RolloutStore.StoredRollout::version).orElse(0L));
        stagesApplied.add(key);
        windows.remove(key);
        List<RolloutEvent> happened = new ArrayList<>();
        happened.add(event(
                key,
                Optional.empty(),
                "rollout.start",
                actor,
                "revision " + revision + " to " + String.join(", ", clusters) + " ("
                        + spec.clusters().yaml() + "): " + spec.describeSteps() + "; judged "
                        + spec.analysis().describe()));
        List<String> first = spec.clusters() == ClusterOrder.TOGETHER ? clusters : clusters.subList(0, 1);
        for (String name : first) {
            state = enter(state, state.cluster(name).orElseThrow(), 0, now, actor, "rollout started", happened);
        }
        s.commit(state, happened);
        for (ClusterRollout c : s.state.clusters()) {
            if (c.status() == ClusterStatus.PENDING) {
                // Its canary may be up already: no traffic to it until its turn.
                setStage(s, c);
            }
        }
        drive(s);
        return s.state;
    }

    /**
     * One round of work, called every analysis interval (more often is harmless): sets stages and makes
     * tracks calls still owed, judges the canary's window once it is an interval long, moves on, aborts or
     * promotes.
     */
    public synchronized RolloutState tick(RolloutKey key) {
        Session s = open(key);
        drive(s);
        judge(s);
        drive(s);
        return s.state;
    }

    /**
     * Holds every running cluster at its step and traffic split until someone resumes it; a cluster the
     * controller paused for a cluster down stays paused when that cluster is back.
     */
    public synchronized RolloutState pause(RolloutKey key, String actor, String why) {
        Session s = open(key);
        RolloutState state = s.state;
        List<RolloutEvent> happened = new ArrayList<>();
        for (ClusterRollout c : state.clusters()) {
            if (c.status() == ClusterStatus.RUNNING || c.pause().equals(Optional.of(PauseCause.CLUSTER_DOWN))) {
                String reason = "paused by " + actor + (why.isBlank() ? "" : ": " + why);
                state = state.with(c.paused(PauseCause.BY_HAND, reason));
                happened.add(
                        event(key, Optional.of(c.cluster()), "rollout.pause", actor, reason + " at " + at(state, c)));
            }
        }
        if (happened.isEmpty()) {
            throw refused(key, "no cluster is running a step, so there is nothing to pause", statusHint(key));
        }
        s.commit(state, happened);
        return s.state;
    }

    /**
     * Moves paused clusters on: one paused by hand holds its step again for its full {@code for:}; one at
     * {@code optin} enters the next step.
     *
     * @throws InvalidInputException when nothing is paused by hand or at optin, or a cluster is unhealthy
     */
    public synchronized RolloutState resume(RolloutKey key, String actor) {
        Session s = open(key);
        RolloutState state = s.state;
        if (!state.down().isEmpty()) {
            throw refused(
                    key,
                    "cluster " + String.join(", ", state.down()) + " is unhealthy, so the rollout stays paused",
                    "it resumes by itself when the cluster is healthy again; or abort it");
        }
        Instant now = clock.instant();
        List<RolloutEvent> happened = new ArrayList<>();
        for (ClusterRollout c : state.clusters()) {
            if (c.status() != ClusterStatus.PAUSED || c.pause().orElseThrow() == PauseCause.CLUSTER_DOWN) {
                continue;
            }
            if (c.pause().get() == PauseCause.OPT_IN) {
                refuseIfFrozen(key, "leave optin");
            }
            happened.add(event(key, Optional.of(c.cluster()), "rollout.resume", actor, "resumed by " + actor));
            int next = c.pause().get() == PauseCause.OPT_IN ? c.step() + 1 : c.step();
            state = enter(state, c, next, now, actor, "resumed by " + actor, happened);
        }
        if (happened.isEmpty()) {
            throw refused(key, "no cluster is paused by hand or at optin", statusHint(key));
        }
        s.commit(state, happened);
        return driveStored(key, s);
    }

    /** Skips the remaining steps: every cluster not yet finished is promoted now, in the group's order. */
    public synchronized RolloutState promote(RolloutKey key, String actor) {
        Session s = open(key);
        refuseIfFrozen(key, "promote");
        RolloutState state = s.state;
        Instant now = clock.instant();
        List<RolloutEvent> happened = new ArrayList<>();
        int full = state.spec().steps().size() - 1;
        for (ClusterRollout c : state.clusters()) {
            if (c.status() == ClusterStatus.PENDING
                    || c.status() == ClusterStatus.RUNNING
                    || c.status() == ClusterStatus.PAUSED) {
                happened.add(event(
                        key,
                        Optional.of(c.cluster()),
                        "rollout.promote",
                        actor,
                        "promoted by " + actor + " at " + at(state, c) + ", skipping the remaining steps"));
                state = enter(state, c, full, now, actor, "promoted by " + actor, happened);
            }
        }
        if (happened.isEmpty()) {
            throw refused(key, "no cluster is waiting or in a step, so there is nothing to promote", statusHint(key));
        }
        s.commit(state, happened);
        return driveStored(key, s);
    }

    /**
     * Sends all traffic back to stable at once and removes the canary, in every cluster not yet promoted
     * (one that is promoting finishes: its stable is already moving to the new revision).
     */
    public synchronized RolloutState abort(RolloutKey key, String actor, String why) {
        Session s = open(key);
        String reason = "aborted by " + actor + (why.isBlank() ? "" : ": " + why);
        if (!stop(s, actor, reason, Optional.empty())) {
            throw refused(key, "no cluster is waiting or in a step, so there is nothing to abort", statusHint(key));
        }
        return driveStored(key, s);
    }

    /**
     * Starts the aborted or failed clusters again from the first step. The canary must run in them again
     * first (the deploy that retries brings it back).
     */
    public synchronized RolloutState retry(RolloutKey key, String actor) {
        Session s = open(key);
        RolloutState state = s.state;
        if (!settled(state) || state.clusters().stream().noneMatch(RolloutController::stopped)) {
            throw refused(
                    key,
                    "only a rollout that stopped (aborted or failed) can be retried",
                    state.promoted()
                            ? "it is promoted; deploy a new revision to roll out again"
                            : "wait until it stops, or abort it first");
        }
        refuseIfFrozen(key, "retry");
        Instant now = clock.instant();
        List<ClusterRollout> restarted = new ArrayList<>();
        for (ClusterRollout c : state.clusters()) {
            restarted.add(stopped(c) ? ClusterRollout.pending(c.cluster()) : c);
        }
        state = state.restarted(now, actor, restarted);
        windows.remove(key);
        List<RolloutEvent> happened = new ArrayList<>();
        happened.add(
                event(key, Optional.empty(), "rollout.retry", actor, "retried by " + actor + " from the first step"));
        for (ClusterRollout c : state.clusters()) {
            if (c.status() == ClusterStatus.PENDING) {
                state = enter(state, c, 0, now, actor, "retried by " + actor, happened);
                if (state.spec().clusters() == ClusterOrder.ONE_BY_ONE) {
                    break;
                }
            }
        }
        s.commit(state, happened);
        return driveStored(key, s);
    }

    /**
     * A cluster of the group became unhealthy or unreachable: the rollout pauses, and if its canary had
     * traffic that traffic goes to stable (which the routers send to the healthy clusters).
     */
    public synchronized RolloutState clusterDown(RolloutKey key, String cluster, String why) {
        Session s = open(key);
        RolloutState state = s.state;
        if (state.down().contains(cluster) || state.cluster(cluster).isEmpty() || settled(state)) {
            return state;
        }
        Set<String> down = new TreeSet<>(state.down());
        down.add(cluster);
        state = state.withDown(down);
        List<RolloutEvent> happened = new ArrayList<>();
        happened.add(event(
                key,
                Optional.of(cluster),
                "rollout.cluster-down",
                CONTROLLER,
                "cluster " + cluster + " is unhealthy: " + why));
        String reason = "paused: cluster " + cluster + " is unhealthy (" + why + "); resumes when it is back";
        for (ClusterRollout c : state.clusters()) {
            ClusterRollout next = c;
            if (c.status() == ClusterStatus.RUNNING) {
                next = next.paused(PauseCause.CLUSTER_DOWN, reason);
                happened.add(event(key, Optional.of(c.cluster()), "rollout.pause", CONTROLLER, reason));
            }
            if (c.cluster().equals(cluster) && next.status() == ClusterStatus.PAUSED) {
                next = next.withStage(Stage.off());
            }
            state = state.with(next);
        }
        s.commit(state, happened);
        return s.state;
    }

    /**
     * A cluster is healthy again. When no cluster is down any more, every cluster in a step gets its step's
     * traffic back, and those the controller paused resume, holding their step again for its full {@code for:}.
     */
    public synchronized RolloutState clusterUp(RolloutKey key, String cluster) {
        Session s = open(key);
        RolloutState state = s.state;
        if (!state.down().contains(cluster)) {
            return state;
        }
        Set<String> down = new TreeSet<>(state.down());
        down.remove(cluster);
        state = state.withDown(down);
        List<RolloutEvent> happened = new ArrayList<>();
        happened.add(event(
                key, Optional.of(cluster), "rollout.cluster-up", CONTROLLER, "cluster " + cluster + " is healthy"));
        if (down.isEmpty()) {
            Instant now = clock.instant();
            for (ClusterRollout c : state.clusters()) {
                if (c.status() == ClusterStatus.PAUSED && c.pause().get() == PauseCause.CLUSTER_DOWN) {
                    happened.add(event(
                            key, Optional.of(c.cluster()), "rollout.resume", CONTROLLER, "every cluster is healthy"));
                    state = enter(state, c, c.step(), now, CONTROLLER, "every cluster is healthy", happened);
                } else if (c.status() == ClusterStatus.PAUSED) {
                    state = state.with(c.withStage(stageOf(state.step(c))));
                }
            }
        }
        s.commit(state, happened);
        drive(s);
        return s.state;
    }

    /**
     * A deploy whose new revision could not run as a canary in {@code failed} (it never became healthy, or was
     * refused), so its rollout ends before it starts: records the rollout of {@code revision} on {@code clusters}
     * (the clusters where that deploy brought its canary up or tried to, in the group's order) as stopped,
     * {@code failed} failed and the others aborted, with the reason. The deploy engine already took the canaries
     * away and stable never stopped serving, so no stage is set and no tracks call is made — except for a
     * cluster in {@code stillUp}, whose canary the deploy could not take away: it owes the abort, made by the
     * next tick or now.
     *
     * @throws InvalidInputException when a rollout of the environment is under way (it is left as it is)
     */
    public synchronized RolloutState canaryFailed(
            RolloutKey key,
            RolloutSpec spec,
            String revision,
            List<String> clusters,
            Set<String> stillUp,
            String failed,
            String why,
            String actor) {
        if (!clusters.contains(failed)) {
            throw new IllegalArgumentException("the failed cluster " + failed + " is not one of " + clusters);
        }
        Optional<RolloutStore.StoredRollout> existing = store.load(key);
        if (existing.isPresent() && !settled(existing.get().state())) {
            throw refused(
                    key,
                    "a rollout of revision " + existing.get().state().revision()
                            + " is under way, so the failed canary of revision " + revision + " is not recorded"
                            + " as its own rollout",
                    "see slipway rollout status " + key.app() + " --env " + key.environment()
                            + "; abort it if the failed deploy took its canary away");
        }
        Instant now = clock.instant();
        String reason = "the canary in " + failed + " cannot run: " + why;
        List<RolloutEvent> happened = new ArrayList<>();
        List<ClusterRollout> stopped = new ArrayList<>();
        for (String cluster : clusters) {
            boolean fails = cluster.equals(failed);
            boolean up = stillUp.contains(cluster);
            String said = (fails ? reason : "aborted: " + reason)
                    + (up
                            ? "; its canary here could not be taken away yet"
                            : "; the deploy took the canary away, stable serves as before");
            stopped.add(new ClusterRollout(
                    cluster,
                    fails ? ClusterStatus.FAILED : ClusterStatus.ABORTED,
                    0,
                    Optional.empty(),
                    Stage.off(),
                    Optional.empty(),
                    up ? Work.ABORT_CANARY : Work.NONE,
                    Optional.empty(),
                    said,
                    Optional.empty()));
            happened.add(event(
                    key,
                    Optional.of(cluster),
                    fails ? "rollout.fail" : "rollout.abort",
                    actor,
                    said + " (revision " + revision + " was not rolled out)"));
        }
        RolloutState state = new RolloutState(key, revision, spec, now, actor, stopped, Set.of());
        Session s = new Session(
                state, existing.map(RolloutStore.StoredRollout::version).orElse(0L));
        // Every stage is stored off, as the routers have it (nothing moved traffic): nothing to set again.
        stagesApplied.add(key);
        windows.remove(key);
        s.commit(state, happened);
        drive(s);
        return s.state;
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Reports each measured check {@code next} holds that {@code before} did not, with the clusters it judged. */
    private void reportNewChecks(RolloutState before, RolloutState next) {
        Map<Check, List<String>> fresh = new java.util.LinkedHashMap<>();
        for (ClusterRollout c : next.clusters()) {
            Optional<Check> check = c.lastCheck().filter(Check::measured);
            if (check.isPresent()
                    && !before.cluster(c.cluster())
                            .flatMap(ClusterRollout::lastCheck)
                            .equals(check)) {
                fresh.computeIfAbsent(check.get(), k -> new ArrayList<>()).add(c.cluster());
            }
        }
        fresh.forEach((check, clusters) -> {
            try {
                events.checked(next.key(), List.copyOf(clusters), check);
            } catch (RuntimeException failed) {
                log.error("a rollout check listener failed", failed);
            }
        });
    }

    /** The state of one rollout being worked on, and the version it was loaded or last saved as. */
    private final class Session {
        RolloutState state;
        long version;

        Session(RolloutState state, long version) {
            this.state = state;
            this.version = version;
        }

        /** Stores {@code next}, then reports {@code happened}, then sets the stages that changed (off first). */
        void commit(RolloutState next, List<RolloutEvent> happened) {
            RolloutState before = state;
            version = store.save(next, version);
            state = next;
            for (RolloutEvent e : happened) {
                log.info("{} {}: {} ({})", e.action(), e.target(), e.details(), e.actor());
                try {
                    events.transition(e);
                } catch (RuntimeException failed) {
                    log.error("a rollout event listener failed", failed);
                }
            }
            reportNewChecks(before, next);
            List<ClusterRollout> changed = new ArrayList<>();
            for (ClusterRollout c : next.clusters()) {
                Optional<ClusterRollout> old = before.cluster(c.cluster());
                if (old.isEmpty() || !old.get().stage().equals(c.stage())) {
                    changed.add(c);
                }
            }
            // Traffic leaves canaries before any moves onto one.
            changed.sort(
                    (a, b) -> Boolean.compare(!(a.stage() instanceof Stage.Off), !(b.stage() instanceof Stage.Off)));
            for (ClusterRollout c : changed) {
                setStage(this, c);
            }
        }
    }

    private Session open(RolloutKey key) {
        RolloutStore.StoredRollout stored = store.load(key)
                .orElseThrow(() -> refused(
                        key,
                        "there is no rollout of " + key,
                        "deploy a revision to an environment with a rollout: to start one"));
        Session s = new Session(stored.state(), stored.version());
        if (stagesApplied.add(key)) {
            // First look at this rollout since the controller started: the routers may have restarted too, so
            // every cluster gets its stored stage again, exactly as stored.
            for (ClusterRollout c : s.state.clusters()) {
                setStage(s, c);
            }
        } else {
            for (ClusterRollout c : s.state.clusters()) {
                if (stagesOwed.contains(owed(key, c))) {
                    setStage(s, c);
                }
            }
        }
        return s;
    }

    private void setStage(Session s, ClusterRollout c) {
        RolloutKey key = s.state.key();
        try {
            traffic.setStage(key, c.cluster(), c.stage());
            stagesOwed.remove(owed(key, c));
        } catch (RuntimeException e) {
            stagesOwed.add(owed(key, c));
            log.warn("could not set the stage of {} in {}: {}", key, c.cluster(), e.toString());
            problem(s, c.cluster(), "could not set the stage " + c.stage().describe() + ": " + describe(e));
        }
    }

    private static String owed(RolloutKey key, ClusterRollout c) {
        return key + "/" + c.cluster();
    }

    /** Records a failed call on the cluster (once per distinct message); it is tried again on the next tick. */
    private void problem(Session s, String cluster, String problem) {
        ClusterRollout c = s.state.cluster(cluster).orElseThrow();
        if (c.problem().equals(Optional.of(problem))) {
            return;
        }
        s.commit(
                s.state.with(c.withProblem(Optional.of(problem))),
                List.of(event(s.state.key(), Optional.of(cluster), "rollout.problem", CONTROLLER, problem)));
    }

    /** Makes the tracks calls the state owes, and starts the next cluster of a one-by-one rollout. */
    /**
     * After a person's operation is stored: makes the calls it owes. Another controller saving meanwhile (a
     * {@code slipway rollout run} ticking the same files) makes them instead, and the operation still stands: the
     * state it stored is answered.
     */
    private RolloutState driveStored(RolloutKey key, Session s) {
        try {
            drive(s);
            return s.state;
        } catch (StaleRolloutException e) {
            log.debug("rollout {} changed by another controller after this operation was stored", key);
            return status(key).orElse(s.state);
        }
    }

    private void drive(Session s) {
        Set<String> tried = new HashSet<>();
        while (true) {
            Optional<ClusterRollout> owing = s.state.clusters().stream()
                    .filter(c -> c.work() != Work.NONE && !tried.contains(c.cluster()))
                    .findFirst();
            if (owing.isPresent()) {
                tried.add(owing.get().cluster());
                work(s, owing.get());
                continue;
            }
            if (!startNextCluster(s)) {
                return;
            }
        }
    }

    private void work(Session s, ClusterRollout c) {
        RolloutKey key = s.state.key();
        if (stagesOwed.contains(owed(key, c))) {
            // The stage this call relies on (all traffic on the canary, or none) is not set yet.
            return;
        }
        try {
            switch (c.work()) {
                case PROMOTE_STABLE -> {
                    tracks.promoteStable(key, c.cluster());
                    s.commit(
                            s.state.with(c.withWork(Work.REMOVE_CANARY)
                                    .withStage(Stage.off())
                                    .withProblem(Optional.empty())
                                    .withReason(
                                            "stable runs revision " + s.state.revision() + "; removing the canary")),
                            List.of(event(
                                    key,
                                    Optional.of(c.cluster()),
                                    "rollout.stable-promoted",
                                    CONTROLLER,
                                    "stable runs revision " + s.state.revision() + "; traffic back on stable")));
                    // The next call needs the traffic off the canary: only once the stage is set.
                    if (!stagesOwed.contains(owed(key, c))) {
                        work(s, s.state.cluster(c.cluster()).orElseThrow());
                    }
                }
                case REMOVE_CANARY -> {
                    tracks.removeCanary(key, c.cluster());
                    s.commit(
                            s.state.with(c.withWork(Work.NONE)
                                    .withStatus(ClusterStatus.PROMOTED, Optional.empty())
                                    .withProblem(Optional.empty())
                                    .withReason("promoted: stable runs revision " + s.state.revision())),
                            List.of(event(
                                    key,
                                    Optional.of(c.cluster()),
                                    "rollout.promoted",
                                    CONTROLLER,
                                    "revision " + s.state.revision() + " is stable; the canary is removed")));
                }
                case ABORT_CANARY -> {
                    tracks.abort(key, c.cluster());
                    s.commit(
                            s.state.with(c.withWork(Work.NONE).withProblem(Optional.empty())),
                            List.of(event(
                                    key,
                                    Optional.of(c.cluster()),
                                    "rollout.canary-removed",
                                    CONTROLLER,
                                    "the canary of revision " + s.state.revision() + " is removed; stable serves")));
                }
                case NONE -> {}
            }
        } catch (StaleRolloutException e) {
            throw e;
        } catch (RuntimeException e) {
            log.warn("rollout {}: {} in {} failed: {}", key, c.work(), c.cluster(), e.toString());
            problem(s, c.cluster(), describeWork(c.work()) + " failed: " + describe(e) + "; trying again");
        }
    }

    private boolean startNextCluster(Session s) {
        RolloutState state = s.state;
        if (state.spec().clusters() != ClusterOrder.ONE_BY_ONE || !state.down().isEmpty()) {
            return false;
        }
        for (ClusterRollout c : state.clusters()) {
            if (c.status().active() || c.work() != Work.NONE || stopped(c)) {
                return false;
            }
        }
        Optional<ClusterRollout> next = state.clusters().stream()
                .filter(c -> c.status() == ClusterStatus.PENDING)
                .findFirst();
        if (next.isEmpty()) {
            return false;
        }
        Optional<String> frozen = freezes.frozen(state.key());
        if (frozen.isPresent()) {
            held(s, next.get(), frozen.get(), "its turn");
            return false;
        }
        List<RolloutEvent> happened = new ArrayList<>();
        String previous = state.clusters().stream()
                .filter(c -> c.status() == ClusterStatus.PROMOTED)
                .map(ClusterRollout::cluster)
                .collect(Collectors.joining(", "));
        state = enter(
                state,
                next.get(),
                0,
                clock.instant(),
                CONTROLLER,
                previous.isEmpty() ? "its turn" : previous + " promoted",
                happened);
        s.commit(state, happened);
        return true;
    }

    private void judge(Session s) {
        RolloutState state = s.state;
        RolloutKey key = state.key();
        List<ClusterRollout> judged = state.clusters().stream()
                .filter(c -> (c.status() == ClusterStatus.RUNNING || c.status() == ClusterStatus.PAUSED)
                        && !(c.stage() instanceof Stage.Off))
                .toList();
        if (judged.isEmpty()) {
            windows.remove(key);
            return;
        }
        String signature = judged.stream()
                .map(c -> c.cluster() + "@" + c.step() + "@" + c.stepEnteredAt().orElseThrow() + "@"
                        + c.stage().describe())
                .collect(Collectors.joining(","));
        Instant now = clock.instant();
        TrafficReading reading;
        try {
            reading = stats.read(key);
        } catch (RuntimeException e) {
            log.warn("rollout {}: cannot read the routers' numbers: {}", key, e.toString());
            Check waiting = Check.waiting(now, "cannot read the routers' numbers: " + describe(e));
            record(s, judged, waiting);
            windows.remove(key);
            return;
        }
        WindowStart start = windows.get(key);
        if (start == null || !start.signature().equals(signature)) {
            windows.put(key, new WindowStart(signature, now, reading));
            return;
        }
        Duration length = Duration.between(start.at(), now);
        if (length.compareTo(state.spec().analysis().interval()) < 0) {
            return;
        }
        windows.put(key, new WindowStart(signature, now, reading));
        List<String> clusters = judged.stream().map(ClusterRollout::cluster).toList();
        Check check = reading.since(start.reading(), clusters)
                .map(w -> CanaryAnalysis.judge(state.spec().analysis(), w, now, length))
                .orElse(Check.waiting(
                        now, "the routers' counts went down (a router restarted): this window is not judged"));
        if (check.verdict() == Verdict.BREACH) {
            stop(s, CONTROLLER, "breach: " + check.reason(), Optional.of(check));
            return;
        }
        boolean advance = judged.stream()
                .allMatch(c -> c.status() == ClusterStatus.RUNNING
                        && check.verdict() == Verdict.PASS
                        && holdOver(state, c, now));
        if (!advance) {
            record(s, judged, check);
            return;
        }
        Optional<String> frozen = freezes.frozen(key);
        if (frozen.isPresent()) {
            record(s, judged, check);
            for (ClusterRollout c : judged) {
                held(s, s.state.cluster(c.cluster()).orElseThrow(), frozen.get(), "step " + (c.step() + 2));
            }
            return;
        }
        RolloutState next = state;
        List<RolloutEvent> happened = new ArrayList<>();
        for (ClusterRollout c : judged) {
            Duration held = Duration.between(c.stepEnteredAt().orElseThrow(), now);
            next = enter(
                    next,
                    c,
                    c.step() + 1,
                    now,
                    CONTROLLER,
                    "step " + (c.step() + 1) + " held " + Durations.format(held) + " and passed: " + check.reason(),
                    happened);
            next = next.with(next.cluster(c.cluster()).orElseThrow().withCheck(check));
        }
        s.commit(next, happened);
    }

    /**
     * {@code c} would move on ({@code to}: the step or turn it would start) but a freeze holds: it stays where it
     * is, saying so (the reason, and one {@code rollout.held} event when it starts holding).
     */
    private void held(Session s, ClusterRollout c, String freeze, String to) {
        String reason = "held: " + freeze + "; " + to + " waits until the freeze ends (abort and pause still work)";
        if (c.reason().equals(reason)) {
            return;
        }
        s.commit(
                s.state.with(c.withReason(reason)),
                List.of(event(s.state.key(), Optional.of(c.cluster()), "rollout.held", CONTROLLER, reason)));
    }

    /** Refuses a person's {@code operation} that would move traffic forward while a freeze holds. */
    private void refuseIfFrozen(RolloutKey key, String operation) {
        Optional<String> frozen = freezes.frozen(key);
        if (frozen.isPresent()) {
            throw refused(
                    key,
                    "cannot " + operation + " while " + frozen.get(),
                    "wait until the freeze ends (the rollout holds its step meanwhile), have it lifted (slipway"
                            + " unfreeze), or abort the rollout, which a freeze never stops");
        }
    }

    private static void record(Session s, List<ClusterRollout> judged, Check check) {
        RolloutState next = s.state;
        for (ClusterRollout c : judged) {
            next = next.with(next.cluster(c.cluster()).orElseThrow().withCheck(check));
        }
        s.commit(next, List.of());
    }

    private static boolean holdOver(RolloutState state, ClusterRollout c, Instant now) {
        Optional<Duration> hold = state.step(c).hold();
        return hold.isPresent() && !now.isBefore(c.stepEnteredAt().orElseThrow().plus(hold.get()));
    }

    /**
     * Stops every cluster waiting or in a step: traffic to stable (stored, then set, before anything else),
     * then the canary removed.
     *
     * @return whether any cluster was stopped
     */
    private boolean stop(Session s, String actor, String reason, Optional<Check> check) {
        RolloutState state = s.state;
        List<RolloutEvent> happened = new ArrayList<>();
        for (ClusterRollout c : state.clusters()) {
            if (c.status() != ClusterStatus.PENDING
                    && c.status() != ClusterStatus.RUNNING
                    && c.status() != ClusterStatus.PAUSED) {
                continue;
            }
            ClusterRollout next = new ClusterRollout(
                    c.cluster(),
                    ClusterStatus.ABORTED,
                    c.step(),
                    c.stepEnteredAt(),
                    Stage.off(),
                    Optional.empty(),
                    Work.ABORT_CANARY,
                    c.stage() instanceof Stage.Off ? c.lastCheck() : check.or(c::lastCheck),
                    reason,
                    Optional.empty());
            state = state.with(next);
            happened.add(event(
                    state.key(),
                    Optional.of(c.cluster()),
                    "rollout.abort",
                    actor,
                    reason + " (was " + at(s.state, c) + "); traffic to stable"));
        }
        if (happened.isEmpty()) {
            return false;
        }
        windows.remove(state.key());
        s.commit(state, happened);
        return true;
    }

    /**
     * {@code c} entering step {@code index}: optin pauses it until someone resumes, full makes it promote,
     * any other step runs. The stage goes with it; {@code happened} gets the event.
     */
    private RolloutState enter(
            RolloutState state,
            ClusterRollout c,
            int index,
            Instant now,
            String actor,
            String why,
            List<RolloutEvent> happened) {
        RolloutStep step = state.spec().steps().get(index);
        ClusterRollout next;
        if (step instanceof RolloutStep.OptIn) {
            next = c.entering(
                    index,
                    now,
                    ClusterStatus.PAUSED,
                    Optional.of(PauseCause.OPT_IN),
                    stageOf(step),
                    "optin: only opted-in clients reach the canary until someone resumes");
        } else if (step instanceof RolloutStep.Full) {
            next = c.entering(index, now, ClusterStatus.PROMOTING, Optional.empty(), Stage.full(), "promoting")
                    .withWork(Work.PROMOTE_STABLE);
        } else {
            next = c.entering(index, now, ClusterStatus.RUNNING, Optional.empty(), stageOf(step), "");
        }
        happened.add(event(
                state.key(),
                Optional.of(c.cluster()),
                "rollout.step",
                actor,
                "step " + (index + 1) + "/" + state.spec().steps().size() + " " + step.describe() + " (" + why + ")"));
        return state.with(next);
    }

    static Stage stageOf(RolloutStep step) {
        return Stage.parse(step.stage())
                .orElseThrow(() -> new IllegalStateException("step " + step + " has no router stage"));
    }

    private static boolean settled(RolloutState state) {
        return state.settled();
    }

    private static boolean stopped(ClusterRollout c) {
        return c.status() == ClusterStatus.ABORTED || c.status() == ClusterStatus.FAILED;
    }

    private static String at(RolloutState state, ClusterRollout c) {
        if (c.status() == ClusterStatus.PENDING) {
            return "pending";
        }
        return "step " + (c.step() + 1) + "/" + state.spec().steps().size() + " "
                + state.step(c).describe();
    }

    private RolloutEvent event(RolloutKey key, Optional<String> cluster, String action, String actor, String details) {
        return new RolloutEvent(clock.instant(), key, cluster, action, actor, details);
    }

    private static InvalidInputException refused(RolloutKey key, String what, String fix) {
        return new InvalidInputException(new Problem("rollout " + key, what, fix));
    }

    private static String statusHint(RolloutKey key) {
        return "see slipway rollout status " + key.app() + " --env " + key.environment();
    }

    private static String describeWork(Work w) {
        return switch (w) {
            case PROMOTE_STABLE -> "moving stable to the new revision";
            case REMOVE_CANARY -> "removing the canary after the promotion";
            case ABORT_CANARY -> "removing the canary after the abort";
            case NONE -> "nothing";
        };
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
