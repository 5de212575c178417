package dev.slipway.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.spec.ServiceSpec;
import dev.slipway.router.RouterConfig;
import dev.slipway.router.RouterConfig.Address;
import dev.slipway.router.RouterConfig.Backend;
import dev.slipway.router.RouterConfig.Cluster;
import dev.slipway.router.RouterConfig.HealthCheck;
import dev.slipway.router.RouterConfig.Migration;
import dev.slipway.router.RouterConfig.OutlierDetection;
import dev.slipway.router.RouterConfig.Route;
import dev.slipway.router.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds the router config for a local run, as {@link RouterConfig} values handed to
 * {@link dev.slipway.router.Router#start(RouterConfig)} and {@link dev.slipway.router.Router#apply(RouterConfig)}
 * (no YAML is written for the router to parse back): one backend per service whose clusters are the local replica sets
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

    public static RouterConfig config(LocalApp local, String listenHost, int port, boolean anyHost) {
        return config(local, listenHost, port, anyHost, Optional.empty(), List.of());
    }

    public static RouterConfig config(
            LocalApp local, String listenHost, int port, boolean anyHost, Optional<JsonNode> next) {
        return config(local, listenHost, port, anyHost, next, List.of());
    }

    /**
     * As above; with {@code next} (the replicas of {@code up --next}, as its state file lists them) each service
     * also gets a backend {@code <app>-<service>-next} and its routes migrate to it, starting at stage off; each
     * of {@code labs} gets, for each service with a ready replica, a backend {@code <app>-lab-<slug>-<service>}
     * listing only its ready replicas and a route on its host: as on a server's local labs, a lab's service is
     * reachable once it answered its health check, never while it starts.
     */
    public static RouterConfig config(
            LocalApp local,
            String listenHost,
            int port,
            boolean anyHost,
            Optional<JsonNode> next,
            List<LabRoute> labs) {
        String app = local.app().spec().app();
        List<ServiceSpec> services = LocalApp.runnable(local.app());
        List<Backend> backends = new ArrayList<>();
        for (ServiceSpec s : services) {
            backends.add(backend(backend(app, s), s, local, local.status()));
        }
        for (LabRoute lab : labs) {
            for (ServiceSpec s : LocalApp.runnable(lab.local().app())) {
                List<ReplicaStatus> ready = readyReplicas(lab.local().status(), s);
                if (!ready.isEmpty()) {
                    backends.add(backend(labBackend(app, lab.slug(), s), s, lab.local(), ready));
                }
            }
        }
        List<String> migrating = new ArrayList<>();
        next.ifPresent(replicas -> {
            for (ServiceSpec s : services) {
                nextBackend(backend(app, s) + "-next", s, replicas).ifPresent(b -> {
                    backends.add(b);
                    migrating.add(s.name());
                });
            }
        });
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < services.size(); i++) {
            ServiceSpec s = services.get(i);
            Optional<String> to =
                    migrating.contains(s.name()) ? Optional.of(backend(app, s) + "-next") : Optional.empty();
            Duration timeout = local.app().spec().routeTimeout(s);
            routes.add(route(backend(app, s), hostOf(app, i, s.name()), backend(app, s), timeout, to));
            if (i == 0 && anyHost) {
                routes.add(route(backend(app, s) + "-any-host", null, backend(app, s), timeout, to));
            }
        }
        for (LabRoute lab : labs) {
            List<ServiceSpec> labServices = LocalApp.runnable(lab.local().app());
            for (int i = 0; i < labServices.size(); i++) {
                ServiceSpec s = labServices.get(i);
                if (readyReplicas(lab.local().status(), s).isEmpty()) {
                    continue;
                }
                String name = labBackend(app, lab.slug(), s);
                routes.add(route(
                        name,
                        labHostOf(app, lab.slug(), i, s.name()),
                        name,
                        lab.local().app().spec().routeTimeout(s),
                        Optional.empty()));
            }
        }
        return RouterConfig.of(new Address(listenHost, port), backends, routes);
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
    public static RouterConfig config(String listenHost, int port, List<HostedRun> runs) {
        List<Backend> backends = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        for (HostedRun run : runs) {
            List<ServiceSpec> services = LocalApp.runnable(run.local().app());
            List<ReplicaStatus> status = run.local().status();
            for (int i = 0; i < services.size(); i++) {
                ServiceSpec s = services.get(i);
                String name = run.name() + "-" + s.name();
                List<ReplicaStatus> ready = readyReplicas(status, s);
                if (ready.isEmpty()) {
                    continue;
                }
                backends.add(backend(name, s, run.local(), ready));
                routes.add(route(
                        name,
                        i == 0 ? run.host() : s.name() + "." + run.host(),
                        name,
                        run.local().app().spec().routeTimeout(s),
                        Optional.empty()));
            }
        }
        if (routes.isEmpty()) {
            backends.add(new Backend(
                    "no-run",
                    List.of(new Cluster("none", 1, List.of(new Address("127.0.0.1", 9)))),
                    0.5,
                    Optional.empty(),
                    OutlierDetection.defaults()));
            routes.add(route("no-run", "no-run.invalid", "no-run", Duration.ofSeconds(1), Optional.empty()));
        }
        return RouterConfig.of(new Address(listenHost, port), backends, routes);
    }

    /** The replicas of {@code service} that answered their health check and can take requests. */
    private static List<ReplicaStatus> readyReplicas(List<ReplicaStatus> status, ServiceSpec service) {
        return status.stream()
                .filter(r -> r.id().service().equals(service.name()) && r.ready() && r.port() != 0)
                .toList();
    }

    /** Checks every endpoint each second; one failed request ejects it briefly, so a crash is routed around. */
    private static Backend localBackend(String name, ServiceSpec service, List<Cluster> clusters) {
        return new Backend(
                name,
                clusters,
                0.5,
                Optional.of(new HealthCheck(service.healthPath(), Duration.ofSeconds(1), Duration.ofMillis(500), 2, 1)),
                new OutlierDetection(1, Duration.ofSeconds(1), Duration.ofSeconds(10)));
    }

    /**
     * The backend {@code name} for service {@code s}: one cluster per local cluster, listing the replicas that
     * are ready (or, when none is, those that are starting, so the router's checks fail the cluster over).
     */
    private static Backend backend(String name, ServiceSpec s, LocalApp local, List<ReplicaStatus> status) {
        List<Cluster> clusters = new ArrayList<>();
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
            List<Address> endpoints = (ready.isEmpty() ? members : ready)
                    .stream().map(r -> new Address("127.0.0.1", r.port())).toList();
            if (!endpoints.isEmpty()) {
                clusters.add(new Cluster(cluster, 1, endpoints));
            }
        }
        return localBackend(name, s, clusters);
    }

    /** The next revision's backend for {@code service}; empty until one of its replicas is ready. */
    private static Optional<Backend> nextBackend(String name, ServiceSpec service, JsonNode replicas) {
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
            return Optional.empty();
        }
        List<Cluster> clusters = new ArrayList<>();
        byCluster.forEach((cluster, members) -> {
            List<JsonNode> ready = members.stream()
                    .filter(r -> r.path("phase").asText().equals("ready"))
                    .toList();
            List<Address> endpoints = (ready.isEmpty() ? members : ready)
                    .stream()
                            .map(r -> new Address("127.0.0.1", r.path("port").asInt()))
                            .toList();
            clusters.add(new Cluster(cluster, 1, endpoints));
        });
        return Optional.of(localBackend(name, service, clusters));
    }

    private static Route route(String name, String host, String backend, Duration timeout, Optional<String> migrateTo) {
        return new Route(
                name,
                Optional.ofNullable(host).map(h -> h.toLowerCase(Locale.ROOT)),
                "/",
                backend,
                timeout,
                RouterConfig.DEFAULT_CONNECT_TIMEOUT,
                migrateTo.map(to -> new Migration(to, Stage.off())));
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
}
