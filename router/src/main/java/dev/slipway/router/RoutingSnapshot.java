package dev.slipway.router;

import dev.slipway.router.RouterConfig.Backend;
import dev.slipway.router.RouterConfig.Cluster;
import dev.slipway.router.RouterConfig.Route;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a request needs to find its way, as one immutable value: swapped whole in a volatile field on
 * reload or stage change, so request threads never lock and never see half a config.
 */
final class RoutingSnapshot {
    final RouterConfig config;
    final Map<String, Stage> stageOverrides;
    final List<RouteTraffic> routes;
    final Map<String, BackendPool> backends;
    // Whether any route names a host: if none does, requests are matched without looking at Host.
    final boolean anyHost;
    private final RouteTraffic[] routeArray;

    private RoutingSnapshot(
            RouterConfig config,
            Map<String, Stage> stageOverrides,
            List<RouteTraffic> routes,
            Map<String, BackendPool> backends) {
        this.config = config;
        this.stageOverrides = Map.copyOf(stageOverrides);
        this.routes = List.copyOf(routes);
        this.backends = Map.copyOf(backends);
        this.routeArray = routes.toArray(RouteTraffic[]::new);
        this.anyHost = routes.stream().anyMatch(RouteTraffic::hasHost);
    }

    /**
     * Builds a snapshot, reusing endpoint health from {@code previous} (so a reload keeps ejections) and the
     * rps bucket of routes whose stage did not change.
     */
    static RoutingSnapshot build(
            RouterConfig config, Map<String, Stage> stageOverrides, RoutingSnapshot previous, Clock clock) {
        Map<String, EndpointState> known = new HashMap<>();
        if (previous != null) {
            for (BackendPool b : previous.backends.values()) {
                for (BackendPool.ClusterEndpoints c : b.clusters) {
                    for (EndpointState e : c.endpoints()) {
                        known.put(e.backend + "/" + e.cluster + "/" + e.label, e);
                    }
                }
            }
        }
        Map<String, BackendPool> backends = new LinkedHashMap<>();
        for (Backend b : config.backends().values()) {
            List<BackendPool.ClusterEndpoints> clusters = new ArrayList<>();
            for (Cluster c : b.clusters()) {
                List<EndpointState> endpoints = new ArrayList<>();
                for (RouterConfig.Address a : c.endpoints()) {
                    EndpointState fresh = new EndpointState(b.name(), c.name(), a.host(), a.port());
                    endpoints.add(known.getOrDefault(b.name() + "/" + c.name() + "/" + fresh.label, fresh));
                }
                boolean local = config.site().isEmpty()
                        || c.site().isEmpty()
                        || c.site().equals(config.site());
                clusters.add(new BackendPool.ClusterEndpoints(c.name(), c.weight(), endpoints, local));
            }
            backends.put(b.name(), new BackendPool(b, clusters));
        }
        List<RouteTraffic> routes = new ArrayList<>();
        for (Route r : config.routes()) {
            Stage override = stageOverrides.get(r.name());
            Route route = override != null && r.migration().isPresent() ? r.withStage(override) : r;
            Stage stage = route.migration().map(RouterConfig.Migration::stage).orElse(Stage.off());
            TokenBucket bucket = null;
            if (stage instanceof Stage.RequestsPerSecond rps) {
                bucket = previous == null ? null : previous.bucketOf(route.name(), rps.perSecond());
                if (bucket == null) {
                    bucket = new TokenBucket(rps.perSecond(), clock);
                }
            }
            BackendPool next = route.migration().map(m -> backends.get(m.to())).orElse(null);
            routes.add(new RouteTraffic(route, backends.get(route.backend()), next, bucket));
        }
        // Host-specific routes first, then the longest prefix: the most specific route wins.
        routes.sort(Comparator.comparing((RouteTraffic t) -> !t.hasHost())
                .thenComparing(t -> -t.config.pathPrefix().length()));
        return new RoutingSnapshot(config, stageOverrides, routes, backends);
    }

    private TokenBucket bucketOf(String route, int perSecond) {
        for (RouteTraffic t : routes) {
            if (t.name().equals(route) && t.bucket != null && t.bucket.perSecond() == perSecond) {
                return t.bucket;
            }
        }
        return null;
    }

    RouteTraffic route(String host, String path) {
        for (RouteTraffic t : routeArray) {
            if (t.matches(host, path)) {
                return t;
            }
        }
        return null;
    }

    RouteTraffic routeNamed(String name) {
        for (RouteTraffic t : routes) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
