package dev.slipway.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link RouterStats} as the JSON of {@code GET /stats}, both ways, so a controller reading routers over
 * HTTP gets back exactly the values {@link Router#stats()} gives in process. Shape:
 * {@code {"instance":ID,"latencyBoundsMillis":[...],"routes":{ROUTE:{"backends":{BACKEND:{COUNTS...,
 * "clusters":{CLUSTER:{COUNTS...}}}}}}}} where COUNTS are {@code requests}, {@code serverErrors},
 * {@code timeouts}, {@code connectFailures} and {@code latency} (the bucket counts, one per bound plus one
 * for slower).
 */
public final class RouterStatsJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RouterStatsJson() {}

    public static ObjectNode toJson(RouterStats stats) {
        ObjectNode root = JSON.createObjectNode();
        root.put("instance", stats.instance());
        ArrayNode bounds = root.putArray("latencyBoundsMillis");
        LatencyHistogram.boundsMillis().forEach(bounds::add);
        ObjectNode routes = root.putObject("routes");
        stats.routes().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(r -> {
            ObjectNode backends = routes.putObject(r.getKey()).putObject("backends");
            r.getValue().backends().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(b -> {
                        ObjectNode bn = counts(
                                backends.putObject(b.getKey()), b.getValue().total());
                        ObjectNode clusters = bn.putObject("clusters");
                        b.getValue().clusters().entrySet().stream()
                                .sorted(Map.Entry.comparingByKey())
                                .forEach(c -> counts(clusters.putObject(c.getKey()), c.getValue()));
                    });
        });
        return root;
    }

    private static ObjectNode counts(ObjectNode n, TrafficCounts c) {
        n.put("requests", c.requests())
                .put("serverErrors", c.serverErrors())
                .put("timeouts", c.timeouts())
                .put("connectFailures", c.connectFailures());
        ArrayNode latency = n.putArray("latency");
        for (long count : c.latency().counts()) {
            latency.add(count);
        }
        return n;
    }

    /**
     * Reads what {@link #toJson} wrote.
     *
     * @throws IllegalArgumentException when the text is not such a document, or its latency buckets differ
     *     from this router's (another version's), so the numbers could not be added up
     */
    public static RouterStats parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (root == null
                || !root.path("instance").isTextual()
                || !root.path("routes").isObject()) {
            throw new IllegalArgumentException("not a router stats document (no instance or routes)");
        }
        JsonNode bounds = root.path("latencyBoundsMillis");
        if (!bounds.isArray() || bounds.size() != LatencyHistogram.BUCKETS - 1) {
            throw new IllegalArgumentException("the router's latency buckets differ from this version's");
        }
        for (int i = 0; i < bounds.size(); i++) {
            if (Math.abs(bounds.get(i).asDouble()
                            - LatencyHistogram.boundsMillis().get(i))
                    > 1e-6) {
                throw new IllegalArgumentException("the router's latency buckets differ from this version's");
            }
        }
        Map<String, RouterStats.Route> routes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> r = root.get("routes").fields(); r.hasNext(); ) {
            Map.Entry<String, JsonNode> route = r.next();
            Map<String, RouterStats.Backend> backends = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> b =
                            route.getValue().path("backends").fields();
                    b.hasNext(); ) {
                Map.Entry<String, JsonNode> backend = b.next();
                Map<String, TrafficCounts> clusters = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> c =
                                backend.getValue().path("clusters").fields();
                        c.hasNext(); ) {
                    Map.Entry<String, JsonNode> cluster = c.next();
                    clusters.put(cluster.getKey(), counts(cluster.getValue()));
                }
                backends.put(backend.getKey(), new RouterStats.Backend(counts(backend.getValue()), clusters));
            }
            routes.put(route.getKey(), new RouterStats.Route(backends));
        }
        return new RouterStats(root.get("instance").asText(), routes);
    }

    private static TrafficCounts counts(JsonNode n) {
        JsonNode latency = n.path("latency");
        if (!latency.isArray() || latency.size() != LatencyHistogram.BUCKETS) {
            throw new IllegalArgumentException("latency needs " + LatencyHistogram.BUCKETS + " bucket counts");
        }
        long[] buckets = new long[LatencyHistogram.BUCKETS];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = whole(latency.get(i), "latency");
        }
        return new TrafficCounts(
                whole(n.path("requests"), "requests"),
                whole(n.path("serverErrors"), "serverErrors"),
                whole(n.path("timeouts"), "timeouts"),
                whole(n.path("connectFailures"), "connectFailures"),
                LatencyHistogram.of(buckets));
    }

    private static long whole(JsonNode n, String field) {
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw new IllegalArgumentException(field + " must be a whole number of at least 0");
        }
        return n.asLong();
    }
}
