package dev.slipway.router;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/** Records router events into a Micrometer registry, caching meters so the hot path does no registry lookups. */
final class RouterMetrics {
    /** The cluster tag of requests that reached no endpoint. */
    static final String NO_CLUSTER = "none";

    private final MeterRegistry registry;
    private final ConcurrentHashMap<List<String>, Counter> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<List<String>, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<List<String>, RequestMeters> requestMeters = new ConcurrentHashMap<>();
    private static final String[] STATUS_CLASSES = {"0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx"
    };
    private final List<Meter> snapshotMeters = new ArrayList<>();
    private final Map<String, StaleGauge> staleGauges = new HashMap<>();
    private final Map<String, ExpiryGauge> expiryGauges = new HashMap<>();

    RouterMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    MeterRegistry registry() {
        return registry;
    }

    void count(RouterMeters meter, String... tagValues) {
        counter(meter, tagValues).increment();
    }

    /** Publishes the counter at 0 before anything happened, so a rate over it starts from a known value. */
    void declare(RouterMeters meter, String... tagValues) {
        counter(meter, tagValues);
    }

    private Counter counter(RouterMeters meter, String... tagValues) {
        return counters.computeIfAbsent(
                key(meter, tagValues),
                k -> Counter.builder(meter.meterName())
                        .description(meter.description())
                        .tags(tags(meter, tagValues))
                        .register(registry));
    }

    /** Records an answered request; the hot path resolves {@link #requestMeters} once per route instead. */
    void requestDone(String route, String backend, String cluster, int status, long nanos) {
        requestMeters(route, backend).record(cluster, status, TrafficCounters.OK, nanos);
    }

    /** The per-track numbers of {@code backend} through {@code route}; empty until a request went there. */
    RouterStats.Backend trafficOf(String route, String backend) {
        RequestMeters m = requestMeters.get(key(RouterMeters.REQUEST_DURATION, route, backend));
        return m == null ? new RouterStats.Backend(TrafficCounts.ZERO, Map.of()) : m.traffic();
    }

    /** The meters of requests through {@code route} to {@code backend}: resolve once, record many times. */
    RequestMeters requestMeters(String route, String backend) {
        return requestMeters.computeIfAbsent(
                key(RouterMeters.REQUEST_DURATION, route, backend),
                k -> new RequestMeters(route, backend, timer(route, backend)));
    }

    private Timer timer(String route, String backend) {
        return timers.computeIfAbsent(
                key(RouterMeters.REQUEST_DURATION, route, backend),
                k -> Timer.builder(RouterMeters.REQUEST_DURATION.meterName())
                        .description(RouterMeters.REQUEST_DURATION.description())
                        .tags(tags(RouterMeters.REQUEST_DURATION, route, backend))
                        .serviceLevelObjectives(LATENCY_BUCKETS)
                        .register(registry));
    }

    /**
     * The request duration histogram's buckets: fine below a second, then up to the longest route timeout the
     * config allows (1 h), so a slow route's requests never all land in +Inf.
     */
    static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(1),
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
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofMinutes(5),
        Duration.ofMinutes(15),
        RouterConfigLoader.MAX_TIMEOUT
    };

    /**
     * Request meters of one route and backend: the duration timer, and the request counters per cluster and
     * status class, looked up without building keys or strings. Safe on any event loop.
     */
    final class RequestMeters {
        private final String route;
        private final String backend;
        private final Timer duration;
        // Cluster -> its meters: counters indexed by status / 100 (a slot is filled on first use; racing
        // fills get the same counter from the registry) and the per-track numbers of GET /stats.
        private final ConcurrentHashMap<String, ClusterMeters> byCluster = new ConcurrentHashMap<>();

        private RequestMeters(String route, String backend, Timer duration) {
            this.route = route;
            this.backend = backend;
            this.duration = duration;
        }

        /** Records one answered request; {@code failure} as {@link TrafficCounters#record}. */
        void record(String cluster, int status, int failure, long nanos) {
            ClusterMeters meters = byCluster.get(cluster);
            if (meters == null) {
                meters = byCluster.computeIfAbsent(cluster, c -> new ClusterMeters());
            }
            meters.traffic.record(status, failure, nanos);
            Counter[] counters = meters.statusCounters;
            int statusClass = Math.min(Math.max(status / 100, 0), STATUS_CLASSES.length - 1);
            Counter c = counters[statusClass];
            if (c == null) {
                c = counter(RouterMeters.REQUESTS, route, backend, cluster, STATUS_CLASSES[statusClass]);
                counters[statusClass] = c;
            }
            c.increment();
            duration.record(nanos, TimeUnit.NANOSECONDS);
        }

        /**
         * A request that was to go here but found no available endpoint, and was answered by the route's other
         * backend: counted in this backend's per-track numbers as a connect failure (what a rollout judges it
         * by), not in its request meters (which count answers this backend gave).
         */
        void couldNotTake() {
            ClusterMeters meters = byCluster.computeIfAbsent(NO_CLUSTER, c -> new ClusterMeters());
            meters.traffic.record(503, TrafficCounters.CONNECT_FAILURE, 0);
        }

        /** The numbers per cluster; requests that reached no cluster count in the total only. */
        RouterStats.Backend traffic() {
            TrafficCounts total = TrafficCounts.ZERO;
            Map<String, TrafficCounts> clusters = new TreeMap<>();
            for (Map.Entry<String, ClusterMeters> e : byCluster.entrySet()) {
                TrafficCounts counts = e.getValue().traffic.read();
                total = total.plus(counts);
                if (!e.getKey().equals(NO_CLUSTER)) {
                    clusters.put(e.getKey(), counts);
                }
            }
            return new RouterStats.Backend(total, clusters);
        }
    }

    private static final class ClusterMeters {
        final Counter[] statusCounters = new Counter[STATUS_CLASSES.length];
        final TrafficCounters traffic = new TrafficCounters();
    }

    <T> void gauge(RouterMeters meter, T target, ToDoubleFunction<T> value, String... tagValues) {
        Gauge.builder(meter.meterName(), target, value)
                .description(meter.description())
                .tags(tags(meter, tagValues))
                .strongReference(true)
                .register(registry);
    }

    /** Replaces the gauges that describe a routing snapshot (endpoints, clusters, stages) with the new ones. */
    synchronized void describe(RoutingSnapshot snapshot, Supplier<Long> nanoTime) {
        snapshotMeters.forEach(registry::remove);
        snapshotMeters.clear();
        for (BackendPool b : snapshot.backends.values()) {
            for (BackendPool.ClusterEndpoints c : b.clusters) {
                snapshotMeters.add(Gauge.builder(
                                RouterMeters.CLUSTER_HEALTHY.meterName(),
                                c,
                                x -> b.clusterHealthy(x, nanoTime.get()) ? 1 : 0)
                        .description(RouterMeters.CLUSTER_HEALTHY.description())
                        .tags(tags(RouterMeters.CLUSTER_HEALTHY, b.name(), c.name()))
                        .register(registry));
                for (EndpointState e : c.endpoints()) {
                    snapshotMeters.add(Gauge.builder(
                                    RouterMeters.ENDPOINT_AVAILABLE.meterName(),
                                    e,
                                    x -> x.available(nanoTime.get()) ? 1 : 0)
                            .description(RouterMeters.ENDPOINT_AVAILABLE.description())
                            .tags(tags(RouterMeters.ENDPOINT_AVAILABLE, b.name(), c.name(), e.label))
                            .register(registry));
                }
            }
        }
        for (RouteTraffic r : snapshot.routes) {
            Stage stage = r.stage;
            snapshotMeters.add(Gauge.builder(RouterMeters.STAGE.meterName(), () -> 1)
                    .description(RouterMeters.STAGE.description())
                    .tags(tags(RouterMeters.STAGE, r.name(), stage.describe().split(" ")[0]))
                    .register(registry));
            double share = stage instanceof Stage.Percent p ? p.percent() / 100.0 : stage instanceof Stage.Full ? 1 : 0;
            double rpsLimit = stage instanceof Stage.RequestsPerSecond rps ? rps.perSecond() : 0;
            snapshotMeters.add(Gauge.builder(RouterMeters.STAGE_SHARE.meterName(), () -> share)
                    .description(RouterMeters.STAGE_SHARE.description())
                    .tags(tags(RouterMeters.STAGE_SHARE, r.name()))
                    .register(registry));
            snapshotMeters.add(Gauge.builder(RouterMeters.STAGE_RPS_LIMIT.meterName(), () -> rpsLimit)
                    .description(RouterMeters.STAGE_RPS_LIMIT.description())
                    .tags(tags(RouterMeters.STAGE_RPS_LIMIT, r.name()))
                    .register(registry));
        }
    }

    /** The stale gauge per source: 1 while stale; sources no longer reported lose their gauge. */
    synchronized void sources(Map<String, SourceStatus> sources) {
        staleGauges.entrySet().removeIf(e -> {
            if (sources.containsKey(e.getKey())) {
                return false;
            }
            registry.remove(e.getValue().gauge);
            return true;
        });
        sources.forEach((name, status) -> {
            StaleGauge g = staleGauges.computeIfAbsent(name, n -> {
                AtomicInteger value = new AtomicInteger();
                Gauge gauge = Gauge.builder(RouterMeters.SOURCE_STALE.meterName(), value, AtomicInteger::doubleValue)
                        .description(RouterMeters.SOURCE_STALE.description())
                        .tags(tags(RouterMeters.SOURCE_STALE, n))
                        .register(registry);
                return new StaleGauge(value, gauge);
            });
            g.value.set(status.isStale() ? 1 : 0);
        });
    }

    private record StaleGauge(AtomicInteger value, Gauge gauge) {}

    /**
     * The expiry gauge per host the listener serves a certificate for, read against {@code clock} at each scrape;
     * hosts no longer served lose their gauge.
     */
    synchronized void certificates(Map<String, Instant> notAfter, Clock clock) {
        expiryGauges.entrySet().removeIf(e -> {
            if (notAfter.containsKey(e.getKey())) {
                return false;
            }
            registry.remove(e.getValue().gauge);
            return true;
        });
        notAfter.forEach((host, until) -> {
            ExpiryGauge g = expiryGauges.computeIfAbsent(host, h -> {
                AtomicReference<Instant> value = new AtomicReference<>(until);
                Gauge gauge = Gauge.builder(
                                RouterMeters.TLS_CERTIFICATE_EXPIRY.meterName(),
                                value,
                                v -> Duration.between(clock.instant(), v.get()).toMillis() / 1000.0)
                        .description(RouterMeters.TLS_CERTIFICATE_EXPIRY.description())
                        .baseUnit(RouterMeters.TLS_CERTIFICATE_EXPIRY.baseUnit())
                        .tags(tags(RouterMeters.TLS_CERTIFICATE_EXPIRY, h))
                        .register(registry);
                return new ExpiryGauge(value, gauge);
            });
            g.value.set(until);
        });
    }

    private record ExpiryGauge(AtomicReference<Instant> value, Gauge gauge) {}

    private static List<String> key(RouterMeters meter, String... tagValues) {
        String[] k = new String[tagValues.length + 1];
        k[0] = meter.name();
        System.arraycopy(tagValues, 0, k, 1, tagValues.length);
        return List.of(k);
    }

    private static Tags tags(RouterMeters meter, String... values) {
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
}
