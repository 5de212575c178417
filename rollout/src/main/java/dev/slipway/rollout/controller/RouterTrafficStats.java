package dev.slipway.rollout.controller;

import dev.slipway.router.RouterStats;
import dev.slipway.router.RouterStatsJson;
import dev.slipway.router.TrafficCounts;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link TrafficStats} from the routers in front of a group: each router's {@link RouterStats} (in process,
 * or over its admin API's {@code GET /stats} with {@link #overHttp}), the environment's routes picked out,
 * and the routers' numbers added into one sum that only grows. A router seen for the first time counts from
 * then on (its earlier requests are not new); one that restarted (another instance id) counts again from its
 * start; one that cannot be read this time is left out, and its requests are counted when it can be read
 * again. Only when no router can be read does {@link #read} fail.
 */
public final class RouterTrafficStats implements TrafficStats {

    /** One route of an environment on the routers, and the backends of its stable and canary tracks. */
    public record TrackRoutes(String route, String stableBackend, String canaryBackend) {
        public TrackRoutes {
            Objects.requireNonNull(route, "route");
            Objects.requireNonNull(stableBackend, "stableBackend");
            Objects.requireNonNull(canaryBackend, "canaryBackend");
        }
    }

    private record Seen(String instance, TrafficReading reading) {}

    private final Map<String, Supplier<RouterStats>> routers;
    private final Function<RolloutKey, List<TrackRoutes>> routes;
    private final Map<RolloutKey, Map<String, Seen>> seen = new HashMap<>();
    private final Map<RolloutKey, TrafficReading> sums = new HashMap<>();

    /**
     * @param routers each router by a name for messages, with where to read it
     * @param routes the routes of an environment, with its tracks' backends
     */
    public RouterTrafficStats(
            Map<String, Supplier<RouterStats>> routers, Function<RolloutKey, List<TrackRoutes>> routes) {
        this.routers = new LinkedHashMap<>(routers);
        this.routes = routes;
    }

    @Override
    public synchronized TrafficReading read(RolloutKey key) {
        List<TrackRoutes> tracks = routes.apply(key);
        Map<String, Seen> last = seen.computeIfAbsent(key, k -> new HashMap<>());
        TrafficReading sum = sums.getOrDefault(key, TrafficReading.ZERO);
        List<String> unread = new ArrayList<>();
        for (Map.Entry<String, Supplier<RouterStats>> router : routers.entrySet()) {
            RouterStats stats;
            try {
                stats = router.getValue().get();
            } catch (RuntimeException e) {
                unread.add(router.getKey() + " (" + e.getMessage() + ")");
                continue;
            }
            TrafficReading now = pick(stats, tracks);
            Seen before = last.put(router.getKey(), new Seen(stats.instance(), now));
            if (before == null) {
                continue;
            }
            Optional<TrafficReading> delta =
                    before.instance().equals(stats.instance()) ? minus(now, before.reading()) : Optional.of(now);
            sum = sum.plus(delta.orElse(TrafficReading.ZERO));
        }
        if (!routers.isEmpty() && unread.size() == routers.size()) {
            throw new IllegalStateException("no router could be read: " + String.join(", ", unread));
        }
        sums.put(key, sum);
        return sum;
    }

    static TrafficReading pick(RouterStats stats, List<TrackRoutes> tracks) {
        TrafficReading r = TrafficReading.ZERO;
        for (TrackRoutes t : tracks) {
            r = r.plus(new TrafficReading(
                    stats.backend(t.route(), t.canaryBackend()), stats.backend(t.route(), t.stableBackend())));
        }
        return r;
    }

    private static Optional<TrafficReading> minus(TrafficReading now, TrafficReading before) {
        Optional<RouterStats.Backend> canary = minus(now.canary(), before.canary());
        Optional<RouterStats.Backend> stable = minus(now.stable(), before.stable());
        if (canary.isEmpty() || stable.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TrafficReading(canary.get(), stable.get()));
    }

    private static Optional<RouterStats.Backend> minus(RouterStats.Backend now, RouterStats.Backend before) {
        Optional<TrafficCounts> total = now.total().since(before.total());
        if (total.isEmpty()) {
            return Optional.empty();
        }
        Map<String, TrafficCounts> clusters = new TreeMap<>();
        for (Map.Entry<String, TrafficCounts> c : now.clusters().entrySet()) {
            Optional<TrafficCounts> d =
                    c.getValue().since(before.clusters().getOrDefault(c.getKey(), TrafficCounts.ZERO));
            if (d.isEmpty()) {
                return Optional.empty();
            }
            clusters.put(c.getKey(), d.get());
        }
        return Optional.of(new RouterStats.Backend(total.get(), clusters));
    }

    /**
     * A router's numbers read from its admin API ({@code admin} e.g. {@code http://127.0.0.1:9901}), with
     * the admin token when it has one. Each read waits at most {@code timeout}.
     */
    public static Supplier<RouterStats> overHttp(
            HttpClient client, URI admin, Optional<String> token, Duration timeout) {
        URI stats = admin.resolve("/stats");
        return () -> {
            String body = RouterAdminGet.body(client, admin, "/stats", token, timeout);
            try {
                return RouterStatsJson.parse(body);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(stats + " sent no router stats: " + e.getMessage(), e);
            }
        };
    }
}
