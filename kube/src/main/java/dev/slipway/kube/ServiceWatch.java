package dev.slipway.kube;

import dev.slipway.core.Labels;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceList;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one cluster's Services of an app and environment (ownership labels {@code slipway.dev/app} and
 * {@code slipway.dev/env}, in the environment's namespace) and reports the NodePort of each routable service
 * and track: Services labelled {@link #SERVICE_LABEL} and {@link #TRACK_LABEL} with a {@code nodePort}.
 *
 * <p>A list, then a watch from the list's resource version, as an informer does; but the reconnecting is done
 * here rather than inside fabric8 (whose watch manager retries without telling its watcher), so the moment
 * the view goes stale is known: a watch that closes with an error or a list that fails makes the state stale
 * (the last known ports are kept) and a new list + watch is tried with a backoff of 250 ms doubling to 5 s. A
 * watch the server ends normally (its timeout) or with 410 Gone is re-listed at once, without going stale.
 * Everything runs on one thread per cluster, {@code slipway-watch-<cluster>}, which also calls the listener.
 */
public final class ServiceWatch implements AutoCloseable {
    /** The routable service a NodePort Service belongs to. */
    public static final String SERVICE_LABEL = "slipway.dev/service";

    /** The track a NodePort Service belongs to: {@code stable} or {@code canary}. */
    public static final String TRACK_LABEL = "slipway.dev/track";

    private static final Logger log = LoggerFactory.getLogger(ServiceWatch.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(250);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);

    /**
     * What one cluster's watch knows.
     *
     * @param nodePorts service → track → nodePort; the last known ones while stale
     * @param synced whether a list has succeeded since start (before that, nothing is known)
     * @param staleSince empty while the watch is up; else since when it is not
     * @param problem why it is stale (empty when not)
     */
    public record State(
            String cluster,
            Map<String, Map<String, Integer>> nodePorts,
            boolean synced,
            Optional<Instant> staleSince,
            String problem) {
        public State {
            Map<String, Map<String, Integer>> copy = new TreeMap<>();
            nodePorts.forEach(
                    (service, tracks) -> copy.put(service, Collections.unmodifiableMap(new TreeMap<>(tracks))));
            nodePorts = Collections.unmodifiableMap(copy);
        }
    }

    private final String cluster;
    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> labels;
    private final Consumer<State> listener;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    // Only touched on the watch thread.
    private final Map<String, Service> services = new HashMap<>();
    private boolean synced;
    private Optional<Instant> staleSince = Optional.empty();
    private String problem = "";
    private Duration retry = FIRST_RETRY;
    private Watch watch;
    private int generation;
    private State last;
    private volatile boolean closed;

    private ServiceWatch(
            String cluster,
            KubernetesClient client,
            String namespace,
            String app,
            String environment,
            Consumer<State> listener,
            Clock clock) {
        this.cluster = cluster;
        this.client = client;
        this.namespace = namespace;
        this.labels = Map.of(Labels.APP, app, Labels.ENV, environment);
        this.listener = listener;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "slipway-watch-" + cluster);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts watching; the first state is reported once the first list succeeded or failed. The watch owns
     * {@code client} and closes it with itself.
     */
    public static ServiceWatch start(
            String cluster,
            KubernetesClient client,
            String namespace,
            String app,
            String environment,
            Consumer<State> listener) {
        ServiceWatch w = new ServiceWatch(cluster, client, namespace, app, environment, listener, Clock.systemUTC());
        w.thread.execute(w::connect);
        return w;
    }

    /** List, then watch from the list's version; on failure go stale and try again later. */
    private void connect() {
        if (closed) {
            return;
        }
        int mine = ++generation;
        try {
            ServiceList list =
                    client.services().inNamespace(namespace).withLabels(labels).list();
            services.clear();
            list.getItems().forEach(s -> services.put(s.getMetadata().getName(), s));
            String version =
                    list.getMetadata() == null ? null : list.getMetadata().getResourceVersion();
            watch = client.services()
                    .inNamespace(namespace)
                    .withLabels(labels)
                    .withResourceVersion(version)
                    .watch(new Events(mine));
            synced = true;
            retry = FIRST_RETRY;
            if (staleSince.isPresent()) {
                log.info("watch of Services on cluster {} is back", cluster);
            }
            staleSince = Optional.empty();
            problem = "";
            report();
        } catch (KubernetesClientException e) {
            lost("listing Services failed: " + ApiErrors.rootMessage(e));
        } catch (RuntimeException e) {
            // Anything else must not end the watch silently: say so and try again.
            log.error("watching Services on cluster {} failed unexpectedly", cluster, e);
            lost("watching Services failed: " + ApiErrors.rootMessage(e));
        }
    }

    /** The view is stale: keep what is known, say so, and try again after the backoff. */
    private void lost(String why) {
        if (closed) {
            return;
        }
        stopWatch();
        if (staleSince.isEmpty()) {
            staleSince = Optional.of(clock.instant());
            log.warn("lost the watch of Services on cluster {}: {}; keeping the last known ports", cluster, why);
        }
        problem = why;
        report();
        Duration wait = retry;
        retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
        thread.schedule(this::connect, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void stopWatch() {
        // Callbacks of the watch being closed (its onClose among them) must not count as news.
        generation++;
        if (watch != null) {
            Watch w = watch;
            watch = null;
            try {
                w.close();
            } catch (RuntimeException e) {
                log.debug("closing the watch on {} failed: {}", cluster, e.toString());
            }
        }
    }

    private void report() {
        State state = new State(cluster, nodePorts(services.values()), synced, staleSince, problem);
        if (!state.equals(last)) {
            last = state;
            try {
                listener.accept(state);
            } catch (RuntimeException e) {
                log.error("the listener of cluster {}'s Services failed", cluster, e);
            }
        }
    }

    /** service → track → nodePort of the routable Services among {@code services}. */
    static Map<String, Map<String, Integer>> nodePorts(Iterable<Service> services) {
        Map<String, Map<String, Integer>> out = new TreeMap<>();
        for (Service s : services) {
            Map<String, String> l = s.getMetadata().getLabels();
            if (l == null || s.getSpec() == null) {
                continue;
            }
            String service = l.get(SERVICE_LABEL);
            String track = l.get(TRACK_LABEL);
            Optional<Integer> port = nodePort(s.getSpec().getPorts());
            if (service != null && track != null && port.isPresent()) {
                out.computeIfAbsent(service, k -> new TreeMap<>()).put(track, port.get());
            }
        }
        return out;
    }

    /** The nodePort of the port named {@code http}, else of the first port that has one. */
    private static Optional<Integer> nodePort(List<ServicePort> ports) {
        if (ports == null) {
            return Optional.empty();
        }
        Optional<Integer> http = ports.stream()
                .filter(p -> "http".equals(p.getName()) && p.getNodePort() != null && p.getNodePort() > 0)
                .map(ServicePort::getNodePort)
                .findFirst();
        return http.or(() -> ports.stream()
                .map(ServicePort::getNodePort)
                .filter(p -> p != null && p > 0)
                .findFirst());
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.execute(this::stopWatch);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed twice
        }
        thread.shutdown();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.shutdownNow();
        client.close();
    }

    /** Events of one watch; those of a watch already replaced (an older generation) are ignored. */
    private final class Events implements Watcher<Service> {
        private final int generation;

        Events(int generation) {
            this.generation = generation;
        }

        private boolean current() {
            return !closed && generation == ServiceWatch.this.generation;
        }

        @Override
        public void eventReceived(Action action, Service service) {
            execute(() -> {
                if (!current() || service == null || service.getMetadata() == null) {
                    return;
                }
                switch (action) {
                    case ADDED, MODIFIED -> services.put(service.getMetadata().getName(), service);
                    case DELETED -> services.remove(service.getMetadata().getName());
                    default -> {
                        return;
                    }
                }
                report();
            });
        }

        @Override
        public boolean reconnecting() {
            return false;
        }

        @Override
        public void onClose() {
            // The server ended the watch (its timeout): list again at once, nothing was missed for long.
            execute(() -> {
                if (current()) {
                    stopWatch();
                    connect();
                }
            });
        }

        @Override
        public void onClose(WatcherException e) {
            execute(() -> {
                if (!current()) {
                    return;
                }
                if (e.isHttpGone()) {
                    stopWatch();
                    connect();
                } else {
                    // Without a cause fabric8 only says it will not reconnect, which is our own setting.
                    lost(e.getCause() == null ? "the watch connection was closed" : ApiErrors.rootMessage(e));
                }
            });
        }

        private void execute(Runnable r) {
            try {
                thread.execute(r);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed meanwhile
            }
        }
    }
}
