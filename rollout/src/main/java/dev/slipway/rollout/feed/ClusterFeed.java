package dev.slipway.rollout.feed;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.spec.AppSpec;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.kube.ServiceWatch;
import dev.slipway.router.Router;
import dev.slipway.router.RouterConfig;
import dev.slipway.router.SourceStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A router fed by the clusters of an environment's group: one {@link ServiceWatch} per cluster, a {@link
 * StageSource} for the stages, and {@link FeedRouting} turning both into the router's config, applied with
 * {@link Router#apply(RouterConfig)} whenever either changes (on one thread, {@code slipway-feed}). A cluster
 * whose watch is cut off keeps its last known endpoints; the router says it is stale in {@code /healthz} and
 * its metrics, under the cluster's name, and the stage source under {@link #STAGES_SOURCE}.
 */
public final class ClusterFeed implements AutoCloseable {
    /** The name the stage source is reported under (not a valid cluster name, so it cannot clash). */
    public static final String STAGES_SOURCE = "(stages)";

    /** How long start waits for every cluster's first list (or its failure) before the router starts. */
    static final Duration FIRST_SYNC = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(ClusterFeed.class);

    private final AppSpec app;
    private final ClusterGroup group;
    private final StageSource stages;
    private final FeedSettings settings;
    private final Map<String, ServiceWatch.State> states = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> firstStates = new LinkedHashMap<>();
    private final List<ServiceWatch> watches = new ArrayList<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "slipway-feed");
        t.setDaemon(true);
        return t;
    });
    private final Instant started = Instant.now();
    private volatile Router router;
    private RouterConfig applied;

    private ClusterFeed(AppSpec app, ClusterGroup group, StageSource stages, FeedSettings settings) {
        this.app = app;
        this.group = group;
        this.stages = stages;
        this.settings = settings;
        group.clusters().forEach(c -> firstStates.put(c.name(), new CompletableFuture<>()));
    }

    /**
     * Watches every cluster of {@code group}, waits (at most {@link #FIRST_SYNC}) until each has answered or
     * failed, and starts the router. A cluster that cannot be reached is no reason not to start: it is reported
     * stale and joins when it answers.
     *
     * @throws InvalidInputException when the settings do not fit the app, or the config is refused
     * @throws dev.slipway.core.deploy.ClusterFailureException when a cluster's kubeconfig context is unusable
     */
    public static ClusterFeed start(
            AppSpec app,
            EnvironmentSpec environment,
            ClusterGroup group,
            KubeClusterTargets clusters,
            StageSource stages,
            FeedSettings settings) {
        List<Problem> problems = FeedRouting.problems(app, settings);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        ClusterFeed feed = new ClusterFeed(app, group, stages, settings.withSticky(FeedRouting.sticky(environment)));
        try {
            for (Cluster c : group.clusters()) {
                feed.watches.add(clusters.watchServices(
                        c, environment.namespace(), app.app(), environment.name(), feed::onState));
            }
            feed.awaitFirstStates();
            RouterConfig first = feed.build();
            feed.router = Router.start(first);
            feed.applied = first;
            feed.router.reportSources(feed.sources());
            stages.subscribe(s -> feed.refresh());
            // States that came in while the router started.
            feed.refresh();
            return feed;
        } catch (RuntimeException e) {
            feed.close();
            throw e;
        }
    }

    /** The router being fed. */
    public Router router() {
        return router;
    }

    private void awaitFirstStates() {
        try {
            CompletableFuture.allOf(firstStates.values().toArray(CompletableFuture[]::new))
                    .get(FIRST_SYNC.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            List<String> silent = firstStates.entrySet().stream()
                    .filter(f -> !f.getValue().isDone())
                    .map(Map.Entry::getKey)
                    .toList();
            log.warn("no answer yet from clusters {}; starting without them", silent);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot happen: first states never fail", e);
        }
    }

    private void onState(ServiceWatch.State state) {
        states.put(state.cluster(), state);
        CompletableFuture<Void> first = firstStates.get(state.cluster());
        if (first != null) {
            first.complete(null);
        }
        refresh();
    }

    /** Rebuilds the config from the latest states and stages, off the caller's thread. */
    private void refresh() {
        if (router == null) {
            return;
        }
        try {
            thread.execute(this::applyLatest);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void applyLatest() {
        Router r = router;
        if (r == null) {
            return;
        }
        RouterConfig next = build();
        if (!next.equals(applied)) {
            Router.ReloadOutcome outcome = r.apply(next);
            if (outcome.applied()) {
                applied = next;
            } else {
                log.warn(
                        "the config built from the clusters was refused, the previous one keeps serving:\n{}",
                        new InvalidInputException(outcome.problems()).getMessage());
            }
        }
        r.reportSources(sources());
    }

    private RouterConfig build() {
        Map<String, Map<String, Map<String, Integer>>> nodePorts = new LinkedHashMap<>();
        states.forEach((cluster, state) -> nodePorts.put(cluster, state.nodePorts()));
        return FeedRouting.config(app, group, nodePorts, stages.current(), settings);
    }

    /** Every cluster in group order, then the stage source. */
    private Map<String, SourceStatus> sources() {
        Map<String, SourceStatus> out = new LinkedHashMap<>();
        for (Cluster c : group.clusters()) {
            ServiceWatch.State s = states.get(c.name());
            if (s == null) {
                out.put(c.name(), SourceStatus.stale(started, "no answer yet"));
            } else if (s.staleSince().isPresent()) {
                out.put(
                        c.name(),
                        SourceStatus.stale(s.staleSince().get(), (s.synced() ? "" : "never listed; ") + s.problem()));
            } else {
                out.put(c.name(), SourceStatus.fresh());
            }
        }
        out.put(STAGES_SOURCE, stages.status());
        return out;
    }

    /** Stops the watches and the router at once (drain the router first for a graceful stop). */
    @Override
    public void close() {
        thread.shutdownNow();
        watches.forEach(ServiceWatch::close);
        stages.close();
        if (router != null) {
            router.close();
        }
    }
}
