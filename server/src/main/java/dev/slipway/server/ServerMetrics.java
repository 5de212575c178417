package dev.slipway.server;

import dev.slipway.rollout.controller.ClusterRollout;
import dev.slipway.rollout.controller.ClusterStatus;
import dev.slipway.rollout.controller.RolloutEvent;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RolloutStateJson;
import dev.slipway.rollout.controller.Verdict;
import dev.slipway.router.ProcessMetrics;
import dev.slipway.router.Stage;
import dev.slipway.store.ClusterProgress;
import dev.slipway.store.DeployKind;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.DeployState;
import dev.slipway.store.Labs;
import dev.slipway.store.Store;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's meters ({@link ServerMeters}) in one Prometheus registry, which also carries the store pool's
 * (HikariCP) and the JVM's. Events (a deploy ended, a sweep ran, a request was answered) are counted as they
 * happen; what the store holds (the queue, labs, rollouts) is read once per scrape, so every server on one database
 * reports the same numbers for it (aggregate those with {@code max}, not {@code sum}).
 */
final class ServerMetrics implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerMetrics.class);
    /** The cluster tag of a deploy that ended before it reached any cluster. */
    static final String NO_CLUSTER = "none";
    /** The route tag of a request that matched no route of the API. */
    static final String UNMATCHED = "unmatched";
    /** A lab's environment tag: one per branch would grow without bound. */
    static final String LAB_ENVIRONMENT = "lab";

    static final List<String> DEPLOY_OUTCOMES = List.of("succeeded", "failed", "skipped", "interrupted");
    private static final Duration EXPIRING_WITHIN = Duration.ofHours(1);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ProcessMetrics processMetrics;
    private final AtomicLong queueDepth = new AtomicLong();
    private final AtomicLong labsActive = new AtomicLong();
    private final AtomicLong labsExpiring = new AtomicLong();
    private final AtomicLong labsOverdue = new AtomicLong();
    private final AtomicLong reaperLastSuccess = new AtomicLong();
    private final MultiGauge rolloutStep;
    private final MultiGauge rolloutSteps;
    private final MultiGauge rolloutShare;
    private final MultiGauge rolloutStatus;
    private final MultiGauge rolloutVerdict;
    private volatile Store store;
    private volatile Clock clock = Clock.systemUTC();

    ServerMetrics() {
        processMetrics = ProcessMetrics.bind(registry);
        gauge(ServerMeters.DEPLOY_QUEUE_DEPTH, queueDepth);
        gauge(ServerMeters.LABS_ACTIVE, labsActive);
        gauge(ServerMeters.LABS_EXPIRING, labsExpiring);
        gauge(ServerMeters.LABS_OVERDUE, labsOverdue);
        gauge(ServerMeters.REAPER_LAST_SUCCESS, reaperLastSuccess);
        rolloutStep = multiGauge(ServerMeters.ROLLOUT_STEP);
        rolloutSteps = multiGauge(ServerMeters.ROLLOUT_STEPS);
        rolloutShare = multiGauge(ServerMeters.ROLLOUT_CANARY_SHARE);
        rolloutStatus = multiGauge(ServerMeters.ROLLOUT_STATUS);
        rolloutVerdict = multiGauge(ServerMeters.ROLLOUT_VERDICT);
        for (String result : List.of("succeeded", "failed")) {
            counter(ServerMeters.REAPER_RUNS, result);
        }
        counter(ServerMeters.REAPER_LABS_DELETED);
        counter(ServerMeters.REAPER_TEARDOWN_FAILURES);
    }

    /** The registry, for the store pool's meters. */
    PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Reads the store's numbers at each scrape from now on, and publishes this server's lease and running deploys.
     */
    void watch(Store store, Clock clock, BooleanSupplier leaseHealthy, IntSupplier deploysRunning) {
        this.store = store;
        this.clock = clock;
        // Strong references: the suppliers are lambdas nothing else holds, which a weak gauge would lose to the GC.
        Gauge.builder(ServerMeters.LEASE_HEALTHY.meterName(), leaseHealthy, s -> s.getAsBoolean() ? 1 : 0)
                .description(ServerMeters.LEASE_HEALTHY.description())
                .strongReference(true)
                .register(registry);
        Gauge.builder(ServerMeters.DEPLOYS_RUNNING.meterName(), deploysRunning, IntSupplier::getAsInt)
                .description(ServerMeters.DEPLOYS_RUNNING.description())
                .strongReference(true)
                .register(registry);
    }

    /** The Prometheus text exposition, with the store's numbers read now. */
    String scrape() {
        refresh();
        return registry.scrape();
    }

    // --- events ------------------------------------------------------------------------------------------------

    /**
     * A deploy ended: counts it on each cluster it was planned for, by that cluster's outcome, with the time it took
     * there ({@code clusterTimes}, measured while it ran); a deploy that reached no cluster counts once as
     * {@value #NO_CLUSTER}. The other outcomes of the same series are created at 0, so a first failure after
     * successes is an increase a rule sees, not a new series.
     */
    void deployEnded(DeployRecord deploy, Map<String, Duration> clusterTimes, Duration total) {
        String environment = deploy.kind() == DeployKind.LAB ? LAB_ENVIRONMENT : deploy.environment();
        String kind = deploy.kind().name().toLowerCase(Locale.ROOT);
        List<ClusterProgress> clusters = deploy.clusters();
        if (clusters.isEmpty()) {
            record(deploy.app(), environment, NO_CLUSTER, kind, outcome(deploy.state()), total);
            return;
        }
        for (ClusterProgress c : clusters) {
            String outcome = switch (c.state()) {
                case SUCCEEDED -> "succeeded";
                case SKIPPED -> "skipped";
                case INTERRUPTED -> "interrupted";
                // A cluster left pending or running by a deploy that ended did not get its revision.
                default -> "failed";
            };
            record(
                    deploy.app(),
                    environment,
                    c.cluster(),
                    kind,
                    outcome,
                    clusterTimes.getOrDefault(c.cluster(), Duration.ZERO));
        }
    }

    private static String outcome(DeployState state) {
        return switch (state) {
            case SUCCEEDED -> "succeeded";
            case INTERRUPTED -> "interrupted";
            default -> "failed";
        };
    }

    private void record(String app, String environment, String cluster, String kind, String outcome, Duration took) {
        for (String other : DEPLOY_OUTCOMES) {
            counter(ServerMeters.DEPLOYS, app, environment, cluster, kind, other);
        }
        counter(ServerMeters.DEPLOYS, app, environment, cluster, kind, outcome).increment();
        Timer.builder(ServerMeters.DEPLOY_DURATION.meterName())
                .description(ServerMeters.DEPLOY_DURATION.description())
                .tags(tags(ServerMeters.DEPLOY_DURATION, app, environment, cluster, kind, outcome))
                .serviceLevelObjectives(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(15),
                        Duration.ofSeconds(30),
                        Duration.ofMinutes(1),
                        Duration.ofMinutes(2),
                        Duration.ofMinutes(5),
                        Duration.ofMinutes(10),
                        Duration.ofMinutes(20),
                        Duration.ofMinutes(30))
                .register(registry)
                .record(took);
    }

    /** One reaper sweep: how many labs it deleted and how many teardowns failed; {@code ran} false when it threw. */
    void reaperSwept(boolean ran, int deleted, int failed) {
        boolean clean = ran && failed == 0;
        counter(ServerMeters.REAPER_RUNS, clean ? "succeeded" : "failed").increment();
        counter(ServerMeters.REAPER_LABS_DELETED).increment(deleted);
        counter(ServerMeters.REAPER_TEARDOWN_FAILURES).increment(failed);
        if (clean) {
            reaperLastSuccess.set(clock.instant().getEpochSecond());
        }
    }

    /** A rollout transition this server's controller made (or a person asked this server for). */
    void rolloutEvent(RolloutEvent event) {
        String action =
                event.action().startsWith("rollout.") ? event.action().substring("rollout.".length()) : event.action();
        String app = event.key().app();
        String environment = event.key().environment();
        if (action.equals("start") || action.equals("retry")) {
            // The stops start at 0, so a rule sees the first abort of this rollout as an increase.
            for (String stop : List.of("abort", "fail")) {
                for (String by : List.of("controller", "person")) {
                    counter(ServerMeters.ROLLOUT_EVENTS, app, environment, stop, by);
                }
            }
        }
        counter(ServerMeters.ROLLOUT_EVENTS, app, environment, action, event.byController() ? "controller" : "person")
                .increment();
    }

    /** An answered HTTP request, by its route template ({@value #UNMATCHED} when it matched none). */
    void apiRequest(String method, String route, int status, Duration took) {
        counter(ServerMeters.API_REQUESTS, method, route, String.valueOf(status))
                .increment();
        // Built once per method and route (both bounded: route templates, not paths), not on every request.
        apiTimers
                .computeIfAbsent(
                        method + " " + route,
                        k -> Timer.builder(ServerMeters.API_REQUEST_DURATION.meterName())
                                .description(ServerMeters.API_REQUEST_DURATION.description())
                                .tags(tags(ServerMeters.API_REQUEST_DURATION, method, route))
                                .serviceLevelObjectives(API_BUCKETS)
                                .register(registry))
                .record(took.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static final Duration[] API_BUCKETS = {
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10)
    };

    private final java.util.concurrent.ConcurrentMap<String, Timer> apiTimers =
            new java.util.concurrent.ConcurrentHashMap<>();

    // --- what the store holds, read per scrape -----------------------------------------------------------------

    private void refresh() {
        Store s = store;
        if (s == null) {
            return;
        }
        try {
            queueDepth.set(s.deploys().queuedCount());
            Labs.Counts labs = s.labs().counts(clock.instant(), EXPIRING_WITHIN);
            labsActive.set(labs.active());
            labsExpiring.set(labs.expiring());
            labsOverdue.set(labs.overdue());
        } catch (RuntimeException e) {
            // The scrape still answers (with the last numbers); the pool's own meters show the database's trouble.
            LOG.warn("metrics: the store's deploy and lab counts could not be read: {}", e.toString());
        }
        try {
            rollouts(s);
        } catch (RuntimeException e) {
            LOG.warn("metrics: the stored rollouts could not be read: {}", e.toString());
        }
    }

    private void rollouts(Store s) {
        List<MultiGauge.Row<?>> step = new ArrayList<>();
        List<MultiGauge.Row<?>> steps = new ArrayList<>();
        List<MultiGauge.Row<?>> share = new ArrayList<>();
        List<MultiGauge.Row<?>> status = new ArrayList<>();
        List<MultiGauge.Row<?>> verdict = new ArrayList<>();
        for (var row : s.rollouts().list()) {
            RolloutState state;
            try {
                state = RolloutStateJson.read(row.state());
            } catch (RuntimeException e) {
                continue;
            }
            String app = state.key().app();
            String env = state.key().environment();
            steps.add(MultiGauge.Row.of(
                    Tags.of("app", app, "environment", env),
                    state.spec().steps().size()));
            for (ClusterRollout c : state.clusters()) {
                Tags t = Tags.of("app", app, "environment", env, "cluster", c.cluster());
                step.add(MultiGauge.Row.of(t, c.step() + 1));
                share.add(MultiGauge.Row.of(t, share(c.stage())));
                for (ClusterStatus each : ClusterStatus.values()) {
                    status.add(MultiGauge.Row.of(
                            t.and("status", each.name().toLowerCase(Locale.ROOT)), each == c.status() ? 1 : 0));
                }
                if (c.lastCheck().isPresent()) {
                    Verdict last = c.lastCheck().get().verdict();
                    for (Verdict each : Verdict.values()) {
                        verdict.add(MultiGauge.Row.of(t.and("verdict", each.wireName()), each == last ? 1 : 0));
                    }
                }
            }
        }
        rolloutStep.register(step, true);
        rolloutSteps.register(steps, true);
        rolloutShare.register(share, true);
        rolloutStatus.register(status, true);
        rolloutVerdict.register(verdict, true);
    }

    /** The share of requests a stage sends to the canary, as the router's slipway_router_stage_share_ratio. */
    private static double share(Stage stage) {
        if (stage instanceof Stage.Percent p) {
            return p.percent() / 100.0;
        }
        return stage instanceof Stage.Full ? 1 : 0;
    }

    // --- forwarded events ----------------------------------------------------------------------------------------

    void eventForwarded(String sink) {
        counter(ServerMeters.EVENTS_FORWARDED, sink).increment();
    }

    void eventsDropped(String sink, String reason, int n) {
        counter(ServerMeters.EVENTS_DROPPED, sink, reason).increment(n);
    }

    /** The queue depth of {@code sink}, read from the store at each scrape. */
    void eventQueue(String sink, IntSupplier depth) {
        // Both kinds of drop show as 0 before the first one, so a rate() over them works from the start.
        counter(ServerMeters.EVENTS_FORWARDED, sink);
        counter(ServerMeters.EVENTS_DROPPED, sink, "queue_full");
        counter(ServerMeters.EVENTS_DROPPED, "all", "rate_limited");
        Gauge.builder(ServerMeters.EVENTS_QUEUE_DEPTH.meterName(), depth, d -> {
                    try {
                        return d.getAsInt();
                    } catch (RuntimeException e) {
                        return Double.NaN;
                    }
                })
                .description(ServerMeters.EVENTS_QUEUE_DEPTH.description())
                .tags(tags(ServerMeters.EVENTS_QUEUE_DEPTH, sink))
                .strongReference(true)
                .register(registry);
    }

    /** Whether the event watch of {@code cluster} is up (registered once per cluster; later calls change nothing). */
    void eventWatch(String cluster, BooleanSupplier up) {
        Gauge.builder(ServerMeters.EVENTS_WATCH_UP.meterName(), up, u -> u.getAsBoolean() ? 1 : 0)
                .description(ServerMeters.EVENTS_WATCH_UP.description())
                .tags(tags(ServerMeters.EVENTS_WATCH_UP, cluster))
                .strongReference(true)
                .register(registry);
    }

    // --- meters ------------------------------------------------------------------------------------------------

    private Counter counter(ServerMeters meter, String... tagValues) {
        return Counter.builder(meter.meterName())
                .description(meter.description())
                .tags(tags(meter, tagValues))
                .register(registry);
    }

    private void gauge(ServerMeters meter, AtomicLong value) {
        Gauge.builder(meter.meterName(), value, AtomicLong::doubleValue)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .register(registry);
    }

    private MultiGauge multiGauge(ServerMeters meter) {
        return MultiGauge.builder(meter.meterName())
                .description(meter.description())
                .register(registry);
    }

    private static Tags tags(ServerMeters meter, String... values) {
        List<String> keys = meter.tagKeys();
        if (keys.size() != values.length) {
            throw new IllegalArgumentException(meter + " takes tags " + keys);
        }
        Tags tags = Tags.empty();
        for (int i = 0; i < values.length; i++) {
            tags = tags.and(keys.get(i), values[i]);
        }
        return tags;
    }

    @Override
    public void close() {
        processMetrics.close();
        registry.close();
    }
}
