package dev.slipway.kube;

import dev.slipway.core.deploy.ClusterEvent;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventList;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the core/v1 Events of some namespaces of one cluster, for the event forwarder, resuming where it was.
 *
 * <p>Per namespace a list, then a watch from the list's version (the reconnecting is done here, as in {@link
 * ServiceWatch}, so an unreachable cluster is known and reported). An event reaches the listener only when its
 * resource version comes after the namespace's mark: the version given at start (the one the forwarder stored
 * with the last event it took), then that of each event the listener took. So a restart, a watch the server ends,
 * or a 410 Gone (the version was compacted away: listed again at once) neither repeats an event nor skips one the
 * list still holds. Resuming lists rather than watching from the stored version, since events are compacted within
 * minutes and a watch from an old version only answers 410. A change to an event that does not raise its count is
 * not reported; one that does is reported with the difference. A failed list or watch is retried with a backoff of
 * 250 ms doubling to 30 s, and reported to the listener. Everything runs on one thread per cluster, {@code
 * slipway-events-<cluster>}, which also calls the listener.
 */
public final class EventWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventWatch.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(250);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final String cluster;
    private final KubernetesClient client;
    private final ClusterEvent.Listener listener;
    private final ScheduledExecutorService thread;
    // Only touched on the watch thread.
    private final Map<String, Optional<String>> marks = new LinkedHashMap<>();
    private final Map<String, Watch> watches = new LinkedHashMap<>();
    private final Map<String, Integer> generations = new LinkedHashMap<>();
    /** Event uid → the count last reported: a change that does not raise it (a label, say) is no repeat. */
    private final Map<String, Integer> counts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > 10_000;
        }
    };

    private Duration retry = FIRST_RETRY;
    private Optional<String> problem = Optional.empty();
    private boolean reported;
    private int lists;
    private int attempts;
    private volatile boolean closed;

    private EventWatch(
            String cluster,
            KubernetesClient client,
            Map<String, Optional<String>> from,
            ClusterEvent.Listener listener) {
        this.cluster = cluster;
        this.client = client;
        this.listener = listener;
        this.marks.putAll(from);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "slipway-events-" + cluster);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts watching {@code namespaces} (namespace → the resource version to resume after). The watch owns
     * {@code client} and closes it with itself.
     */
    public static EventWatch start(
            String cluster,
            KubernetesClient client,
            Map<String, Optional<String>> namespaces,
            ClusterEvent.Listener listener) {
        EventWatch w = new EventWatch(cluster, client, namespaces, listener);
        for (String namespace : namespaces.keySet()) {
            w.thread.execute(() -> w.connect(namespace));
        }
        return w;
    }

    /** How many lists this watch has made (one per namespace at start, one more after each loss or 410). */
    public int lists() {
        return ask(() -> lists);
    }

    /** How many lists this watch has tried, failed ones included (an unreachable cluster is retried). */
    public int attempts() {
        return ask(() -> attempts);
    }

    private int ask(java.util.concurrent.Callable<Integer> question) {
        try {
            return thread.submit(question).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the event watch of " + cluster + " is not answering", e);
        }
    }

    private void connect(String namespace) {
        if (closed) {
            return;
        }
        int mine = generations.merge(namespace, 1, Integer::sum);
        attempts++;
        try {
            EventList list = client.v1().events().inNamespace(namespace).list();
            lists++;
            List<Event> items = list.getItems().stream()
                    .filter(e -> e.getMetadata() != null && e.getMetadata().getResourceVersion() != null)
                    .sorted(Comparator.comparing(EventWatch::version, EventWatch::compareVersions))
                    .toList();
            for (Event e : items) {
                offer(namespace, e);
            }
            String version =
                    list.getMetadata() == null ? null : list.getMetadata().getResourceVersion();
            watches.put(
                    namespace,
                    client.v1()
                            .events()
                            .inNamespace(namespace)
                            .withResourceVersion(version)
                            .watch(new Changes(namespace, mine)));
            retry = FIRST_RETRY;
            if (problem.isPresent() || !reported) {
                if (problem.isPresent()) {
                    log.info("the event watch of cluster {} is back", cluster);
                }
                problem = Optional.empty();
                reported = true;
                listener.reachable(cluster, Optional.empty());
            }
        } catch (KubernetesClientException e) {
            lost(namespace, "listing Events in " + namespace + " failed: " + ApiErrors.rootMessage(e));
        } catch (RuntimeException e) {
            // The listener failed (its store, say) or a bug: not taken, so it is listed again later.
            log.error("following Events in {} on cluster {} failed", namespace, cluster, e);
            lost(namespace, "following Events in " + namespace + " failed: " + ApiErrors.rootMessage(e));
        }
    }

    /** Hands {@code e} to the listener when it comes after the namespace's mark; the mark then moves to it. */
    private void offer(String namespace, Event e) {
        String version = version(e);
        if (!ClusterEvent.after(version, marks.getOrDefault(namespace, Optional.empty()))) {
            return;
        }
        ClusterEvent event = event(namespace, e);
        Integer known = counts.get(event.uid());
        if (known != null && event.count() <= known) {
            marks.put(namespace, Optional.of(version));
            return;
        }
        int total = event.count();
        if (known != null) {
            event = new ClusterEvent(
                    event.cluster(),
                    event.namespace(),
                    event.uid(),
                    event.objectKind(),
                    event.objectName(),
                    event.reason(),
                    event.type(),
                    event.message(),
                    total - known,
                    event.firstSeen(),
                    event.lastSeen(),
                    event.resourceVersion());
        }
        listener.event(event);
        counts.put(event.uid(), total);
        marks.put(namespace, Optional.of(version));
    }

    private void lost(String namespace, String why) {
        if (closed) {
            return;
        }
        stopWatch(namespace);
        if (problem.isEmpty() || !problem.get().equals(why)) {
            log.warn("the event watch of cluster {} is down: {}; retrying in {} ms", cluster, why, retry.toMillis());
            problem = Optional.of(why);
            reported = true;
            listener.reachable(cluster, problem);
        }
        Duration wait = retry;
        retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
        try {
            thread.schedule(() -> connect(namespace), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void stopWatch(String namespace) {
        // Callbacks of the watch being closed must not count as news.
        generations.merge(namespace, 1, Integer::sum);
        Watch w = watches.remove(namespace);
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException e) {
                log.debug("closing the event watch of {} on {} failed: {}", namespace, cluster, e.toString());
            }
        }
    }

    private static String version(Event e) {
        return e.getMetadata().getResourceVersion();
    }

    private static int compareVersions(String a, String b) {
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    private ClusterEvent event(String namespace, Event e) {
        var object = e.getInvolvedObject();
        Instant last = time(e.getLastTimestamp())
                .or(() -> micro(e.getEventTime()))
                .or(() -> time(e.getMetadata().getCreationTimestamp()))
                .orElse(Instant.EPOCH);
        Instant first = time(e.getFirstTimestamp()).orElse(last);
        int count = e.getCount() == null || e.getCount() < 1 ? 1 : e.getCount();
        if (e.getSeries() != null && e.getSeries().getCount() != null) {
            count = Math.max(count, e.getSeries().getCount());
        }
        return new ClusterEvent(
                cluster,
                namespace,
                Optional.ofNullable(e.getMetadata().getUid())
                        .orElse(e.getMetadata().getName()),
                object == null || object.getKind() == null ? "" : object.getKind(),
                object == null || object.getName() == null ? "" : object.getName(),
                Optional.ofNullable(e.getReason()).orElse(""),
                Optional.ofNullable(e.getType()).orElse("Normal"),
                Optional.ofNullable(e.getMessage()).orElse(""),
                count,
                first,
                last,
                version(e));
    }

    private static Optional<Instant> time(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<Instant> micro(MicroTime time) {
        return time == null ? Optional.empty() : time(time.getTime());
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.execute(() -> List.copyOf(watches.keySet()).forEach(this::stopWatch));
        } catch (RejectedExecutionException e) {
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

    /** Changes seen by one namespace's watch; those of a watch already replaced are ignored. */
    private final class Changes implements Watcher<Event> {
        private final String namespace;
        private final int generation;

        Changes(String namespace, int generation) {
            this.namespace = namespace;
            this.generation = generation;
        }

        private boolean current() {
            return !closed && generations.getOrDefault(namespace, 0) == generation;
        }

        @Override
        public void eventReceived(Action action, Event event) {
            execute(() -> {
                if (!current()
                        || event == null
                        || event.getMetadata() == null
                        || event.getMetadata().getResourceVersion() == null
                        || (action != Action.ADDED && action != Action.MODIFIED)) {
                    return;
                }
                try {
                    offer(namespace, event);
                } catch (RuntimeException e) {
                    log.error("following Events in {} on cluster {} failed", namespace, cluster, e);
                    lost(namespace, "following Events in " + namespace + " failed: " + ApiErrors.rootMessage(e));
                }
            });
        }

        @Override
        public boolean reconnecting() {
            return false;
        }

        @Override
        public void onClose() {
            // The server ended the watch (its timeout): list again at once; the marks skip what was seen.
            execute(() -> {
                if (current()) {
                    stopWatch(namespace);
                    connect(namespace);
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
                    log.info(
                            "the event watch of {} on cluster {} expired (410 Gone); listing again",
                            namespace,
                            cluster);
                    stopWatch(namespace);
                    connect(namespace);
                } else {
                    lost(
                            namespace,
                            e.getCause() == null ? "the event watch connection was closed" : ApiErrors.rootMessage(e));
                }
            });
        }

        private void execute(Runnable r) {
            try {
                thread.execute(r);
            } catch (RejectedExecutionException e) {
                // closed meanwhile
            }
        }
    }
}
