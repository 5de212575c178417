package dev.slipway.router;

import java.util.Map;
import java.util.Objects;

/**
 * The router's cumulative per-route, per-backend numbers ({@code GET /stats}, {@link Router#stats()}): for
 * each route its backend and its migration's {@code to} backend, each in total and per cluster. Counting
 * starts when the router starts, under the random {@code instance} id: a reader that sees another instance
 * knows the router restarted and its counts started again from zero.
 *
 * @param instance random id of this router run
 * @param routes by route name
 */
public record RouterStats(String instance, Map<String, Route> routes) {

    public RouterStats {
        Objects.requireNonNull(instance, "instance");
        routes = Map.copyOf(routes);
    }

    /** One route's numbers, by backend name. */
    public record Route(Map<String, Backend> backends) {
        public Route {
            backends = Map.copyOf(backends);
        }
    }

    /**
     * One backend's numbers through one route: {@code total} includes requests that reached no cluster
     * (no endpoint was available), so it can be more than the sum of {@code clusters}.
     */
    public record Backend(TrafficCounts total, Map<String, TrafficCounts> clusters) {
        public Backend {
            Objects.requireNonNull(total, "total");
            clusters = Map.copyOf(clusters);
        }
    }

    /** The numbers of {@code backend} through {@code route}, zero when the router has none. */
    public Backend backend(String route, String backend) {
        Route r = routes.get(route);
        Backend b = r == null ? null : r.backends().get(backend);
        return b == null ? new Backend(TrafficCounts.ZERO, Map.of()) : b;
    }
}
