package dev.slipway.router;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The router's whole configuration, validated: every route already carries its effective timeouts, so no
 * code path can forget one. Produced by {@link RouterConfigLoader}; immutable so a reload swaps it whole.
 *
 * @param source the file it was read from (for messages and reloads)
 */
public record RouterConfig(
        Address listen,
        Address admin,
        Limits limits,
        RetryPolicy retries,
        Map<String, Backend> backends,
        List<Route> routes,
        Path source) {

    public RouterConfig {
        backends = Map.copyOf(backends);
        routes = List.copyOf(routes);
    }

    /** The default route timeout when a route sets none: requests never wait forever. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** The default connect timeout to an endpoint. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    /** A host and port to listen on or connect to. */
    public record Address(String host, int port) {
        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /** Protection against slow, huge or too many clients. */
    public record Limits(
            int maxHeaderBytes,
            int maxInitialLineBytes,
            Duration headerReadTimeout,
            Duration idleTimeout,
            int maxConnections,
            int maxInFlight) {}

    /** When failed requests may be retried: at most {@code maxRetries} per request, within a budget. */
    public record RetryPolicy(int maxRetries, int budgetPercent, int minRetriesPerSecond) {}

    /** Active HTTP health check of every endpoint of a backend. */
    public record HealthCheck(String path, Duration interval, Duration timeout, int fall, int rise) {}

    /** Passive outlier detection: eject an endpoint after consecutive failures, backing off on repeats. */
    public record OutlierDetection(int consecutiveFailures, Duration baseEjection, Duration maxEjection) {}

    /** One cluster of a backend: its endpoints and its share of the backend's traffic. */
    public record Cluster(String name, int weight, List<Address> endpoints) {
        public Cluster {
            endpoints = List.copyOf(endpoints);
        }
    }

    /**
     * A backend: the same service deployed in several clusters.
     *
     * @param failoverBelow when the share of a cluster's available endpoints falls below this (0..1), its
     *     traffic moves to the backend's other clusters
     */
    public record Backend(
            String name,
            List<Cluster> clusters,
            double failoverBelow,
            Optional<HealthCheck> healthCheck,
            OutlierDetection outlierDetection) {
        public Backend {
            clusters = List.copyOf(clusters);
        }
    }

    /** Moves a route from its backend to {@code to}, by stage. */
    public record Migration(String to, Stage stage) {}

    /**
     * Requests for {@code host} (empty: any host; {@code *.example.com}: any subdomain) whose path starts with
     * {@code pathPrefix} (at a segment boundary) go to {@code backend}.
     */
    public record Route(
            String name,
            Optional<String> host,
            String pathPrefix,
            String backend,
            Duration timeout,
            Duration connectTimeout,
            Optional<Migration> migration) {

        Route withStage(Stage stage) {
            return new Route(
                    name,
                    host,
                    pathPrefix,
                    backend,
                    timeout,
                    connectTimeout,
                    migration.map(m -> new Migration(m.to(), stage)));
        }
    }
}
