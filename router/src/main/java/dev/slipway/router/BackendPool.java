package dev.slipway.router;

import dev.slipway.router.RouterConfig.Backend;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks an endpoint of one backend: weighted across the clusters whose available share is at or above the
 * failover threshold, so an unhealthy cluster's traffic moves to the others without waiting for anyone; the
 * clusters of the router's own site first, the other sites' only when none of its own is healthy.
 */
final class BackendPool {
    final Backend config;
    final List<ClusterEndpoints> clusters;
    // The same clusters as an array: the per-request loops below then allocate no iterators.
    private final ClusterEndpoints[] clusterArray;
    // The first pick pass: the site pass only when some cluster is at another site (else it is pass 1 twice).
    private final int firstPass;

    /**
     * One cluster's endpoints with their live state.
     *
     * @param local whether the cluster is at the router's site (or either names none)
     */
    record ClusterEndpoints(String name, int weight, List<EndpointState> endpoints, boolean local) {
        ClusterEndpoints {
            endpoints = List.copyOf(endpoints);
        }
    }

    BackendPool(Backend config, List<ClusterEndpoints> clusters) {
        this.config = config;
        this.clusters = List.copyOf(clusters);
        this.clusterArray = clusters.toArray(ClusterEndpoints[]::new);
        this.firstPass = clusters.stream().allMatch(ClusterEndpoints::local) ? 1 : 0;
    }

    String name() {
        return config.name();
    }

    boolean clusterHealthy(ClusterEndpoints c, long now) {
        List<EndpointState> endpoints = c.endpoints;
        int n = endpoints.size();
        int available = 0;
        for (int i = 0; i < n; i++) {
            if (endpoints.get(i).available(now)) {
                available++;
            }
        }
        return available > 0 && available >= config.failoverBelow() * n;
    }

    /** Whether any endpoint of any cluster can take a request now (what {@link #pick} finds in its last pass). */
    boolean anyAvailable(long now) {
        for (ClusterEndpoints c : clusterArray) {
            List<EndpointState> endpoints = c.endpoints;
            for (int i = 0, n = endpoints.size(); i < n; i++) {
                if (endpoints.get(i).available(now)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * An endpoint to send to, avoiding {@code avoid} (the endpoint that just failed) and preferring a cluster
     * other than its cluster; null when nothing at all is available.
     */
    EndpointState pick(EndpointState avoid, long now) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String avoidCluster = avoid == null ? null : avoid.cluster;
        // Pass 0: healthy clusters of the router's site except the one that just failed; 1: healthy clusters of
        // any site except it; 2: any healthy cluster; 3: panic, anything up.
        for (int pass = firstPass; pass < 4; pass++) {
            long total = 0;
            for (ClusterEndpoints c : clusterArray) {
                if (eligible(c, pass, avoidCluster, now)) {
                    total += Math.max(c.weight, pass == 3 ? 1 : 0);
                }
            }
            if (total == 0) {
                continue;
            }
            long ticket = random.nextLong(total);
            for (ClusterEndpoints c : clusterArray) {
                if (!eligible(c, pass, avoidCluster, now)) {
                    continue;
                }
                ticket -= Math.max(c.weight, pass == 3 ? 1 : 0);
                if (ticket < 0) {
                    EndpointState e = pickIn(c, avoid, now, random);
                    if (e != null) {
                        return e;
                    }
                    break;
                }
            }
        }
        return null;
    }

    /**
     * Panic: an endpoint of any cluster with traffic weight, whatever its health checks and ejections say — for a
     * request that found none available. Health that marks every endpoint down at once is more often the checks
     * failing (a loaded machine, a slow health path) than every backend dead; trying one costs a connection
     * attempt, where refusing costs the request (Envoy's panic threshold does the same). Null when the backend
     * has no endpoint at all.
     */
    EndpointState panicPick() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long total = 0;
        for (ClusterEndpoints c : clusterArray) {
            if (!c.endpoints.isEmpty()) {
                total += Math.max(c.weight, 0);
            }
        }
        if (total == 0) {
            return null;
        }
        long ticket = random.nextLong(total);
        for (ClusterEndpoints c : clusterArray) {
            if (c.endpoints.isEmpty()) {
                continue;
            }
            ticket -= Math.max(c.weight, 0);
            if (ticket < 0) {
                return c.endpoints.get(random.nextInt(c.endpoints.size()));
            }
        }
        return null;
    }

    private boolean eligible(ClusterEndpoints c, int pass, String avoidCluster, long now) {
        return switch (pass) {
            case 0 -> c.local && c.weight > 0 && !c.name.equals(avoidCluster) && clusterHealthy(c, now);
            case 1 -> c.weight > 0 && !c.name.equals(avoidCluster) && clusterHealthy(c, now);
            case 2 -> c.weight > 0 && clusterHealthy(c, now);
            default -> c.endpoints.stream().anyMatch(e -> e.available(now));
        };
    }

    private static EndpointState pickIn(ClusterEndpoints c, EndpointState avoid, long now, ThreadLocalRandom random) {
        int n = c.endpoints.size();
        int start = random.nextInt(n);
        EndpointState fallback = null;
        for (int i = 0; i < n; i++) {
            EndpointState e = c.endpoints.get((start + i) % n);
            if (e.available(now)) {
                if (e != avoid) {
                    return e;
                }
                fallback = e;
            }
        }
        return fallback;
    }
}
