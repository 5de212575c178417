package dev.slipway.server;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.deploy.ClusterEvent;
import dev.slipway.core.deploy.ClusterTargets;
import dev.slipway.store.AppRecord;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.EnvironmentRecord;
import dev.slipway.store.ForwardedEvent;
import dev.slipway.store.ForwardedEvents;
import dev.slipway.store.LabRecord;
import dev.slipway.store.Store;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards abnormal Kubernetes events of the environments this server manages (docs/events.md): one {@link
 * ClusterTargets#watchEvents event watch} per cluster over the namespaces of every environment in its group; a
 * Warning event (or one of {@link #ABNORMAL}) is grouped with the object's earlier ones of the same reason, limited
 * per app and environment, enriched with the environment's last deploy, and stored with the watch's position and
 * one queued delivery per sink, in one transaction. A delivery thread then sends what is due, retrying a failing
 * sink with a backoff; the queue is bounded per sink and what falls off it is counted.
 *
 * <p>Of several servers on one database only the holder of the store lease {@link #LEASE} watches and delivers
 * (renewed at every refresh, released on close; another server takes over once it expires), so an event reaches a
 * sink once, not once per server.
 */
final class EventForwarder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventForwarder.class);

    /** Reasons forwarded whatever their type (some controllers report them as Normal). */
    static final Set<String> ABNORMAL = Set.of(
            "BackOff",
            "CrashLoopBackOff",
            "Failed",
            "FailedScheduling",
            "FailedMount",
            "FailedAttachVolume",
            "FailedCreate",
            "FailedCreatePodSandBox",
            "FailedPull",
            "ErrImagePull",
            "ImagePullBackOff",
            "Unhealthy",
            "OOMKilling",
            "Evicted",
            "ProgressDeadlineExceeded",
            "NodeNotReady");

    /** The store lease whose holder forwards. */
    static final String LEASE = "event-forwarder";

    private static final Duration DELIVERY_TICK = Duration.ofMillis(200);
    private static final int BATCH = 20;

    private final Store store;
    private final AppSources sources;
    private final ClusterTargets targets;
    private final EventForwarding config;
    private final List<EventSink> sinks;
    private final ServerMetrics metrics;
    private final Clock clock;
    private final Supplier<String> serverUrl;
    private final String serverId;
    private volatile boolean leading;
    private final ScheduledExecutorService watcher;
    private final ScheduledExecutorService delivery;
    /** cluster → its watch and the environments it covers; only touched on the watcher thread. */
    private final Map<String, Watched> watches = new HashMap<>();
    /** cluster/namespace → the environment there; read by the watches' threads. */
    private final Map<String, Owner> owners = new ConcurrentHashMap<>();

    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    /** cluster → why its watch is down; absent while up. */
    private final Map<String, String> unreachable = new ConcurrentHashMap<>();
    /** sink → since when it fails (for one log line per outage, not one per attempt). */
    private final Map<String, Instant> failing = new ConcurrentHashMap<>();

    private record Owner(String app, String environment) {}

    private record Watched(Map<String, Owner> namespaces, AutoCloseable watch) {}

    EventForwarder(
            Store store,
            AppSources sources,
            ClusterTargets targets,
            EventForwarding config,
            List<EventSink> sinks,
            ServerMetrics metrics,
            Clock clock,
            Supplier<String> serverUrl,
            String serverId) {
        this.serverId = serverId;
        this.store = store;
        this.sources = sources;
        this.targets = targets;
        this.config = config;
        this.sinks = List.copyOf(sinks);
        this.metrics = metrics;
        this.clock = clock;
        this.serverUrl = serverUrl;
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "slipway-events-watches"));
        this.delivery = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "slipway-events-delivery"));
        for (EventSink sink : this.sinks) {
            metrics.eventQueue(
                    sink.name(), () -> store.forwardedEvents().depths().getOrDefault(sink.name(), 0));
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The sinks events are queued for. */
    List<String> sinkNames() {
        return sinks.stream().map(EventSink::name).toList();
    }

    void start() {
        watcher.scheduleWithFixedDelay(this::refreshQuietly, 0, config.refresh().toMillis(), TimeUnit.MILLISECONDS);
        delivery.scheduleWithFixedDelay(
                this::deliverQuietly, DELIVERY_TICK.toMillis(), DELIVERY_TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads the environments again now (an app was registered), instead of at the next refresh. */
    void refreshSoon() {
        try {
            watcher.execute(this::refreshQuietly);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    /** Clusters whose event watch is down now, and why. */
    Map<String, String> unreachable() {
        return Map.copyOf(unreachable);
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("reading the environments whose events are forwarded failed: {}", e.getMessage());
        }
    }

    /** Starts, restarts (namespaces changed) and stops the per-cluster watches to match the environments. */
    private void refresh() {
        if (!sources.hasClusters()) {
            return;
        }
        boolean lead = store.leases().tryAcquire(LEASE, serverId, leaseTtl());
        if (lead != leading) {
            LOG.info(
                    lead
                            ? "this server forwards the clusters' events now"
                            : "another server forwards the clusters' events ({} holds lease {})",
                    store.leases().holder(LEASE).orElse("nobody"),
                    LEASE);
        }
        leading = lead;
        if (!lead) {
            List.copyOf(watches.entrySet()).forEach(e -> stop(e.getKey(), e.getValue()));
            return;
        }
        ClustersConfig clusters = sources.clusters();
        Map<String, Cluster> byName = new LinkedHashMap<>();
        Map<String, Map<String, Owner>> wanted = new LinkedHashMap<>();
        for (AppRecord app : store.apps().list()) {
            for (EnvironmentRecord environment : app.environments()) {
                Optional<ClusterGroup> group = clusters.group(environment.clusterGroup());
                if (group.isEmpty()) {
                    continue; // a deploy says so; the forwarder just has nothing to watch there
                }
                for (Cluster cluster : group.get().clusters()) {
                    byName.put(cluster.name(), cluster);
                    wanted.computeIfAbsent(cluster.name(), k -> new LinkedHashMap<>())
                            .putIfAbsent(environment.namespace(), new Owner(app.name(), environment.name()));
                }
            }
            // Review labs live in namespaces of their own, on the app's lab group (else its first environment's).
            Optional<ClusterGroup> labGroup = app.labGroup()
                    .or(() -> app.environments().stream().findFirst().map(EnvironmentRecord::clusterGroup))
                    .flatMap(clusters::group);
            if (labGroup.isPresent()) {
                for (LabRecord lab : store.labs().listLive(Optional.of(app.name()))) {
                    for (Cluster cluster : labGroup.get().clusters()) {
                        byName.put(cluster.name(), cluster);
                        wanted.computeIfAbsent(cluster.name(), k -> new LinkedHashMap<>())
                                .putIfAbsent(lab.namespace(), new Owner(app.name(), AppSources.labEnvironment(lab)));
                    }
                }
            }
        }
        for (String cluster : List.copyOf(watches.keySet())) {
            Watched w = watches.get(cluster);
            if (!w.namespaces().equals(wanted.get(cluster))) {
                stop(cluster, w);
            }
        }
        wanted.forEach((cluster, namespaces) -> {
            namespaces.forEach((ns, owner) -> owners.put(cluster + "/" + ns, owner));
            if (watches.containsKey(cluster)) {
                return;
            }
            Map<String, Optional<String>> from = new LinkedHashMap<>();
            namespaces
                    .keySet()
                    .forEach(ns -> from.put(ns, store.forwardedEvents().position(cluster, ns)));
            try {
                targets.watchEvents(byName.get(cluster), from, new Listener())
                        .ifPresent(watch -> watches.put(cluster, new Watched(Map.copyOf(namespaces), watch)));
            } catch (RuntimeException e) {
                unreachable.put(cluster, e.getMessage());
                LOG.warn("cannot watch the events of cluster {}: {}", cluster, e.getMessage());
            }
        });
    }

    private void stop(String cluster, Watched w) {
        watches.remove(cluster);
        w.namespaces().keySet().forEach(ns -> owners.remove(cluster + "/" + ns));
        try {
            w.watch().close();
        } catch (Exception e) {
            LOG.debug("closing the event watch of {} failed: {}", cluster, e.toString());
        }
    }

    static boolean abnormal(ClusterEvent event) {
        return "Warning".equalsIgnoreCase(event.type()) || ABNORMAL.contains(event.reason());
    }

    /** Takes in one event from a cluster's watch (on that watch's thread). */
    private void take(ClusterEvent event) {
        if (!abnormal(event)) {
            return;
        }
        Owner owner = owners.get(event.cluster() + "/" + event.namespace());
        if (owner == null) {
            return;
        }
        Optional<DeployRecord> deploy =
                store.deploys().list(Optional.of(owner.app()), Optional.of(owner.environment()), 1).stream()
                        .findFirst();
        Instant last = event.lastSeen().equals(Instant.EPOCH) ? clock.instant() : event.lastSeen();
        Instant first = event.firstSeen().equals(Instant.EPOCH) ? last : event.firstSeen();
        ForwardedEvent forwarded = new ForwardedEvent(
                0,
                owner.app(),
                owner.environment(),
                event.cluster(),
                event.namespace(),
                event.objectKind(),
                event.objectName(),
                event.reason(),
                event.type(),
                event.message(),
                event.count(),
                first,
                last,
                deploy.flatMap(d -> d.clusters().stream()
                        .filter(c -> c.cluster().equals(event.cluster()))
                        .findFirst()
                        .flatMap(c -> c.revision())),
                deploy.flatMap(DeployRecord::ref),
                deploy.map(DeployRecord::requestedBy),
                deploy.map(DeployRecord::id));
        TokenBucket bucket = buckets.computeIfAbsent(
                owner.app() + "/" + owner.environment(), k -> new TokenBucket(config.perMinute(), config.burst()));
        Optional<ForwardedEvents.Taken> taken = store.forwardedEvents()
                .take(
                        forwarded,
                        event.resourceVersion(),
                        config.groupWindow(),
                        () -> bucket.tryTake(clock.millis()),
                        sinkNames(),
                        config.queueBound());
        if (taken.isEmpty()) {
            metrics.eventsDropped("all", "rate_limited", 1);
            return;
        }
        taken.get().dropped().forEach((sink, n) -> {
            metrics.eventsDropped(sink, "queue_full", n);
            LOG.warn("dropped the {} oldest events queued for {}: its queue holds {}", n, sink, config.queueBound());
        });
    }

    /** Three refreshes, and never under 30 s: a slow refresh must not hand the events to another server. */
    private Duration leaseTtl() {
        Duration three = config.refresh().multipliedBy(3);
        return three.compareTo(Duration.ofSeconds(30)) < 0 ? Duration.ofSeconds(30) : three;
    }

    private void deliverQuietly() {
        if (!leading) {
            return;
        }
        for (EventSink sink : sinks) {
            try {
                deliver(sink);
            } catch (RuntimeException e) {
                LOG.warn("delivering events to {} failed: {}", sink.name(), e.getMessage());
            }
        }
    }

    /** Sends what is due for {@code sink}, oldest first; stops at its first failure (it is down: retry later). */
    private void deliver(EventSink sink) {
        for (ForwardedEvents.Pending pending : store.forwardedEvents().due(sink.name(), BATCH)) {
            ForwardedEvent event = pending.event();
            try {
                sink.send(event, eventsUrl(event.app(), event.environment()));
            } catch (IOException | RuntimeException e) {
                Duration wait = backoff(pending.attempts());
                store.forwardedEvents().failed(event.id(), sink.name(), wait, e.getMessage());
                if (failing.putIfAbsent(sink.name(), clock.instant()) == null) {
                    LOG.warn(
                            "cannot deliver events to {}: {}; they stay queued (up to {}) and are retried",
                            sink.name(),
                            e.getMessage(),
                            config.queueBound());
                }
                return;
            }
            store.forwardedEvents().delivered(event.id(), sink.name());
            metrics.eventForwarded(sink.name());
            if (failing.remove(sink.name()) != null) {
                LOG.info("delivering events to {} works again", sink.name());
            }
        }
    }

    private Duration backoff(int attempts) {
        Duration wait = config.firstRetry();
        for (int i = 0; i < attempts && wait.compareTo(config.maxRetry()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(config.maxRetry()) > 0 ? config.maxRetry() : wait;
    }

    String eventsUrl(String app, String environment) {
        return serverUrl.get() + "/api/apps/" + app + "/environments/" + environment + "/events";
    }

    @Override
    public void close() {
        watcher.shutdown();
        delivery.shutdown();
        try {
            watcher.awaitTermination(5, TimeUnit.SECONDS);
            delivery.awaitTermination(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watcher.shutdownNow();
        delivery.shutdownNow();
        new ArrayList<>(watches.entrySet()).forEach(e -> stop(e.getKey(), e.getValue()));
        sinks.forEach(EventSink::close);
        if (leading) {
            try {
                store.leases().release(LEASE, serverId);
            } catch (RuntimeException e) {
                LOG.warn(
                        "could not release lease {}; another server takes over when it expires: {}",
                        LEASE,
                        e.toString());
            }
        }
    }

    /** Events of the watches, on their threads. */
    private final class Listener implements ClusterEvent.Listener {
        @Override
        public void event(ClusterEvent event) {
            take(event);
        }

        @Override
        public void reachable(String cluster, Optional<String> problem) {
            if (problem.isPresent()) {
                unreachable.put(cluster, problem.get());
            } else {
                unreachable.remove(cluster);
            }
            metrics.eventWatch(cluster, () -> !unreachable.containsKey(cluster));
        }
    }

    /** New groups an app's environment may send: {@code burst} at once, refilled at {@code perMinute}. */
    static final class TokenBucket {
        private final double perMilli;
        private final int capacity;
        private double tokens;
        private long at = Long.MIN_VALUE;

        TokenBucket(int perMinute, int capacity) {
            this.perMilli = perMinute / 60_000.0;
            this.capacity = capacity;
            this.tokens = capacity;
        }

        synchronized boolean tryTake(long nowMillis) {
            if (at != Long.MIN_VALUE && nowMillis > at) {
                tokens = Math.min(capacity, tokens + (nowMillis - at) * perMilli);
            }
            at = Math.max(at, nowMillis);
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }

    @Override
    public String toString() {
        return "EventForwarder" + Objects.toString(sinkNames());
    }
}
