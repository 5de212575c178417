package dev.slipway.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.spec.ServiceSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Writes the router config for a local run: one backend per service whose clusters are the local replica sets
 * and whose endpoints are the replicas that are ready now, and routes with the service's route timeout (its {@code timeout}, else the app's {@code routeTimeout}). The first
 * service answers {@code <app>.localhost} (and any host when {@code anyHost}); the others
 * {@code <service>.<app>.localhost}. Each lab adds the same for its own replicas under
 * {@code <slug>.<app>.localhost}.
 */
public final class LocalRouting {
    private LocalRouting() {}

    public static String hostOf(String app, int serviceIndex, String service) {
        return serviceIndex == 0 ? app + ".localhost" : service + "." + app + ".localhost";
    }

    /**
     * The host a lab answers on this machine, {@code <slug>.<app>.localhost}, wherever it runs (beside
     * {@code slipway up} or on a server without clusters); its other services answer {@code <service>.<that>}.
     */
    public static String labHost(String app, String slug) {
        return slug + "." + app + ".localhost";
    }

    /** The host a lab's service answers: {@link #labHost} for the first, else with the service in front. */
    public static String labHostOf(String app, String slug, int serviceIndex, String service) {
        return (serviceIndex == 0 ? "" : service + ".") + labHost(app, slug);
    }

    /** A lab the router reaches by its own host names. */
    public record LabRoute(String slug, LocalApp local) {}

    public static String yaml(LocalApp local, String listenHost, int port, boolean anyHost) {
        return yaml(local, listenHost, port, anyHost, Optional.empty(), List.of());
    }

    public static String yaml(LocalApp local, String listenHost, int port, boolean anyHost, Optional<JsonNode> next) {
        return yaml(local, listenHost, port, anyHost, next, List.of());
    }

    /**
     * As above; with {@code next} (the replicas of {@code up --next}, as its state file lists them) each service
     * also gets a backend {@code <app>-<service>-next} and its routes migrate to it, starting at stage off; each
     * of {@code labs} gets, for each service with a ready replica, a backend {@code <app>-lab-<slug>-<service>}
     * listing only its ready replicas and a route on its host: as on a server's local labs, a lab's service is
     * reachable once it answered its health check, never while it starts.
     */
    public static String yaml(
            LocalApp local,
            String listenHost,
            int port,
            boolean anyHost,
            Optional<JsonNode> next,
            List<LabRoute> labs) {
        String app = local.app().spec().app();
        List<ServiceSpec> services = LocalApp.runnable(local.app());
        StringBuilder y = new StringBuilder()
                .append("# Written by slipway up; rewritten on every replica change.\n")
                .append("listen: ")
                .append(listenHost)
                .append(':')
                .append(port)
                .append("\nadmin: 127.0.0.1:0\n")
                .append("backends:\n");
        for (ServiceSpec s : services) {
            appendBackend(y, backend(app, s), s, local, local.status());
        }
        for (LabRoute lab : labs) {
            for (ServiceSpec s : LocalApp.runnable(lab.local().app())) {
                List<ReplicaStatus> ready = readyReplicas(lab.local(), s);
                if (!ready.isEmpty()) {
                    appendBackend(y, labBackend(app, lab.slug(), s), s, lab.local(), ready);
                }
            }
        }
        List<String> migrating = new ArrayList<>();
        next.ifPresent(replicas -> {
            for (ServiceSpec s : services) {
                if (nextBackend(y, backend(app, s) + "-next", s, replicas)) {
                    migrating.add(s.name());
                }
            }
        });
        y.append("routes:\n");
        for (int i = 0; i < services.size(); i++) {
            ServiceSpec s = services.get(i);
            Optional<String> to =
                    migrating.contains(s.name()) ? Optional.of(backend(app, s) + "-next") : Optional.empty();
            long timeoutMs = local.app().spec().routeTimeout(s).toMillis();
            route(y, backend(app, s), hostOf(app, i, s.name()), backend(app, s), timeoutMs, to);
            if (i == 0 && anyHost) {
                route(y, backend(app, s) + "-any-host", null, backend(app, s), timeoutMs, to);
            }
        }
        for (LabRoute lab : labs) {
            List<ServiceSpec> labServices = LocalApp.runnable(lab.local().app());
            for (int i = 0; i < labServices.size(); i++) {
                ServiceSpec s = labServices.get(i);
                if (readyReplicas(lab.local(), s).isEmpty()) {
                    continue;
                }
                long labTimeoutMs = lab.local().app().spec().routeTimeout(s).toMillis();
                String name = labBackend(app, lab.slug(), s);
                route(y, name, labHostOf(app, lab.slug(), i, s.name()), name, labTimeoutMs, Optional.empty());
            }
        }
        return y.toString();
    }

    /**
     * One local run behind a shared router: its first service answers {@code host}, each other service
     * {@code <service>.<host>}; its backends and routes are named {@code <name>-<service>}.
     */
    public record HostedRun(String name, String host, LocalApp local) {}

    /**
     * A router config for several local runs behind one listener (the server's local labs), each under its own
     * host names. Only ready replicas are listed: a service gets its route once a replica answered its health
     * check, and a new replica is taken in once it is ready, so a run that reports ready is reachable at once
     * (a replica listed while starting would be marked down by the router's own checks and come back only after
     * its next check). The router needs at least one route, so with none to list a placeholder route on a
     * reserved host nobody can reach keeps the config valid; every other host is answered 404.
     */
    public static String yaml(String listenHost, int port, List<HostedRun> runs) {
        StringBuilder backends = new StringBuilder();
        StringBuilder routes = new StringBuilder();
        for (HostedRun run : runs) {
            List<ServiceSpec> services = LocalApp.runnable(run.local().app());
            List<ReplicaStatus> status = run.local().status();
            for (int i = 0; i < services.size(); i++) {
                ServiceSpec s = services.get(i);
                long timeoutMs = run.local().app().spec().routeTimeout(s).toMillis();
                String name = run.name() + "-" + s.name();
                List<ReplicaStatus> ready = readyReplicas(status, s);
                if (ready.isEmpty()) {
                    continue;
                }
                appendBackend(backends, name, s, run.local(), ready);
                route(
                        routes,
                        name,
                        i == 0 ? run.host() : s.name() + "." + run.host(),
                        name,
                        timeoutMs,
                        Optional.empty());
            }
        }
        if (routes.isEmpty()) {
            backends.append("  no-run:\n    clusters:\n      - {name: none, weight: 1, endpoints: [127.0.0.1:9]}\n");
            route(routes, "no-run", "no-run.invalid", "no-run", 1000, Optional.empty());
        }
        return "# Written by slipway; rewritten on every replica change.\nlisten: " + listenHost + ':' + port
                + "\nadmin: 127.0.0.1:0\nbackends:\n" + backends + "routes:\n" + routes;
    }

    /** The replicas of {@code service} that answered their health check and can take requests. */
    private static List<ReplicaStatus> readyReplicas(LocalApp local, ServiceSpec service) {
        return readyReplicas(local.status(), service);
    }

    private static List<ReplicaStatus> readyReplicas(List<ReplicaStatus> status, ServiceSpec service) {
        return status.stream()
                .filter(r -> r.id().service().equals(service.name()) && r.ready() && r.port() != 0)
                .toList();
    }

    /**
     * Appends the backend {@code name} for service {@code s}: one cluster per local cluster, listing the replicas
     * that are ready (or, when none is, those that are starting, so the router's checks fail the cluster over).
     */
    private static void appendBackend(
            StringBuilder y, String name, ServiceSpec s, LocalApp local, List<ReplicaStatus> status) {
        y.append("  ")
                .append(name)
                .append(":\n")
                .append("    failoverBelow: 0.5\n")
                .append("    healthCheck: {path: '")
                .append(s.healthPath().replace("'", "''"))
                .append("', interval: 1s, timeout: 500ms, fall: 2, rise: 1}\n")
                .append("    outlierDetection: {consecutiveFailures: 1, baseEjection: 1s, maxEjection: 10s}\n")
                .append("    clusters:\n");
        for (int c = 1; c <= local.options().clusters(); c++) {
            String cluster = "local-" + c;
            List<ReplicaStatus> members = status.stream()
                    .filter(r -> r.id().service().equals(s.name())
                            && r.id().cluster().equals(cluster)
                            && r.port() != 0
                            && r.phase() != ReplicaStatus.Phase.STOPPING
                            && r.phase() != ReplicaStatus.Phase.STOPPED)
                    .toList();
            List<ReplicaStatus> ready =
                    members.stream().filter(ReplicaStatus::ready).toList();
            // The router needs an endpoint per cluster: a cluster with none ready lists its starting or
            // crashed replicas, which the router's checks find down, so its traffic fails over.
            String endpoints = (ready.isEmpty() ? members : ready)
                    .stream().map(r -> "127.0.0.1:" + r.port()).collect(Collectors.joining(", "));
            if (!endpoints.isEmpty()) {
                y.append("      - {name: ")
                        .append(cluster)
                        .append(", weight: 1, endpoints: [")
                        .append(endpoints)
                        .append("]}\n");
            }
        }
    }

    /** Appends the next revision's backend for {@code service}; false until one of its replicas is ready. */
    private static boolean nextBackend(StringBuilder y, String name, ServiceSpec service, JsonNode replicas) {
        Map<String, List<JsonNode>> byCluster = new TreeMap<>();
        for (JsonNode r : replicas) {
            String phase = r.path("phase").asText();
            if (r.path("service").asText().equals(service.name())
                    && r.path("port").asInt() != 0
                    && !phase.equals("stopping")
                    && !phase.equals("stopped")) {
                byCluster
                        .computeIfAbsent(r.path("cluster").asText(), c -> new ArrayList<>())
                        .add(r);
            }
        }
        // Routes migrate only once the next revision answers: a stage set before then would send requests to
        // replicas that cannot take them.
        boolean anyReady = byCluster.values().stream()
                .flatMap(List::stream)
                .anyMatch(r -> r.path("phase").asText().equals("ready"));
        if (!anyReady) {
            return false;
        }
        y.append("  ")
                .append(name)
                .append(":\n")
                .append("    failoverBelow: 0.5\n")
                .append("    healthCheck: {path: '")
                .append(service.healthPath().replace("'", "''"))
                .append("', interval: 1s, timeout: 500ms, fall: 2, rise: 1}\n")
                .append("    outlierDetection: {consecutiveFailures: 1, baseEjection: 1s, maxEjection: 10s}\n")
                .append("    clusters:\n");
        byCluster.forEach((cluster, members) -> {
            List<JsonNode> ready = members.stream()
                    .filter(r -> r.path("phase").asText().equals("ready"))
                    .toList();
            String endpoints = (ready.isEmpty() ? members : ready)
                    .stream().map(r -> "127.0.0.1:" + r.path("port").asInt()).collect(Collectors.joining(", "));
            y.append("      - {name: ")
                    .append(cluster)
                    .append(", weight: 1, endpoints: [")
                    .append(endpoints)
                    .append("]}\n");
        });
        return true;
    }

    private static void route(
            StringBuilder y, String name, String host, String backend, long timeoutMs, Optional<String> migrateTo) {
        y.append("  - name: ").append(name).append('\n');
        if (host != null) {
            y.append("    host: ").append(host).append('\n');
        }
        y.append("    backend: ")
                .append(backend)
                .append('\n')
                .append("    timeout: ")
                .append(timeoutMs)
                .append("ms\n");
        migrateTo.ifPresent(to -> y.append("    migration: {to: ").append(to).append("}\n"));
    }

    /**
     * Whether every service still has a replica to list; not so while everything stops, and the router
     * refuses a backend without clusters, so the config in force is left alone then.
     */
    public static boolean routable(LocalApp local) {
        List<ReplicaStatus> status = local.status();
        return LocalApp.runnable(local.app()).stream()
                .allMatch(s -> status.stream()
                        .anyMatch(r -> r.id().service().equals(s.name())
                                && r.port() != 0
                                && r.phase() != ReplicaStatus.Phase.STOPPING
                                && r.phase() != ReplicaStatus.Phase.STOPPED));
    }

    public static String backend(String app, ServiceSpec service) {
        return app + "-" + service.name();
    }

    public static String labBackend(String app, String slug, ServiceSpec service) {
        return app + "-lab-" + slug + "-" + service.name();
    }

    /** Replaces {@code file} atomically so the router's file watcher never reads half a config. */
    public static void write(Path file, String yaml) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, yaml);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
