package dev.slipway.rollout.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster health as the routers see it, from each router's admin {@code GET /config}: a cluster is down when
 * every router that could be read lists it in the environment's stable backend without a healthy endpoint
 * (active health checks failing, endpoints ejected). A router that cannot be read, or that does not list the
 * cluster in a stable backend, says nothing about it; when no router can be read, nothing is said. The stable backend decides, not the canary's: a failing canary is the analysis's to
 * judge, a failing cluster takes both tracks down.
 */
public final class RouterClusterHealth implements ClusterHealth {
    private static final Logger log = LoggerFactory.getLogger(RouterClusterHealth.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Supplier<JsonNode>> routers;
    private final Function<RolloutKey, List<RouterTrafficStats.TrackRoutes>> routes;

    /**
     * @param routers each router's admin {@code /config} document, by a name for messages
     * @param routes the routes (and their stable backends) of each rollout's environment
     */
    public RouterClusterHealth(
            Map<String, Supplier<JsonNode>> routers,
            Function<RolloutKey, List<RouterTrafficStats.TrackRoutes>> routes) {
        this.routers = new LinkedHashMap<>(Objects.requireNonNull(routers, "routers"));
        this.routes = Objects.requireNonNull(routes, "routes");
    }

    @Override
    public Optional<Map<String, String>> down(RolloutKey key, List<String> clusters) {
        List<String> backends = routes.apply(key).stream()
                .map(RouterTrafficStats.TrackRoutes::stableBackend)
                .distinct()
                .toList();
        Map<String, List<String>> unhealthyOn = new LinkedHashMap<>();
        int read = 0;
        for (Map.Entry<String, Supplier<JsonNode>> router : routers.entrySet()) {
            JsonNode config;
            try {
                config = router.getValue().get();
            } catch (RuntimeException e) {
                log.debug("router {} not read for cluster health: {}", router.getKey(), e.getMessage());
                continue;
            }
            read++;
            for (String cluster : clusters) {
                for (String backend : backends) {
                    if (listedUnhealthy(config, backend, cluster)) {
                        unhealthyOn
                                .computeIfAbsent(cluster, c -> new ArrayList<>())
                                .add(backend + " on " + router.getKey());
                    }
                }
            }
        }
        if (read == 0) {
            return Optional.empty();
        }
        Map<String, String> down = new LinkedHashMap<>();
        int routersRead = read;
        unhealthyOn.forEach((cluster, where) -> {
            // Down only when every router read agrees (one router's bad link to a cluster is that router's).
            if (where.size() == routersRead * backends.size()) {
                down.put(cluster, "no healthy endpoint of " + String.join(", ", where));
            }
        });
        return Optional.of(down);
    }

    private static boolean listedUnhealthy(JsonNode config, String backend, String cluster) {
        for (JsonNode c : config.path("backends").path(backend).path("clusters")) {
            if (c.path("name").asText().equals(cluster)) {
                return !c.path("healthy").asBoolean(true);
            }
        }
        return false;
    }

    /** A router's admin {@code /config} read over HTTP, with its admin token when it has one. */
    public static Supplier<JsonNode> configOverHttp(
            HttpClient client, URI admin, Optional<String> token, Duration timeout) {
        return () -> {
            String body = RouterAdminGet.body(client, admin, "/config", token, timeout);
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(admin.resolve("/config") + " sent no JSON: " + e.getMessage(), e);
            }
        };
    }
}
