package dev.slipway.rollout.feed;

import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.spec.AppSpec;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.core.spec.ServiceSpec;
import dev.slipway.router.RouterConfig;
import dev.slipway.router.RouterConfig.Address;
import dev.slipway.router.RouterConfig.Backend;
import dev.slipway.router.RouterConfig.HealthCheck;
import dev.slipway.router.RouterConfig.Migration;
import dev.slipway.router.RouterConfig.OutlierDetection;
import dev.slipway.router.RouterConfig.Route;
import dev.slipway.router.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The router config of a fed router, as a pure function of what the clusters and the stage source say: per
 * routable service, backend {@code <service>} (the stable track) and {@code <service>-canary}, each with one
 * cluster per cluster of the group that has the track's NodePort Service (endpoints: the cluster's
 * {@code nodes} × that nodePort, weight from the clusters file), and route {@code <service>} to the stable
 * backend, migrating to the canary one by the stages.
 *
 * <p>A route has one stage and the clusters each have their own; they are combined so each cluster's traffic
 * is split as its own stage says (see docs/router.md, "Fed by clusters"):
 *
 * <ul>
 *   <li>all clusters {@code off}: stage off (the canary backend, if any, is still there for the admin API);
 *   <li>any cluster at {@code percent N} or {@code full} (= 100 %): a cluster c of weight w with share p goes
 *       into the canary backend with weight w·p and stays in the stable one with weight w·(100 − p), and the
 *       route's stage is {@code percent} Σw·p / Σw (at least 1), or {@code full} when every cluster is full;
 *   <li>else any cluster at {@code rps N}: stage {@code rps} ΣN, the canary backend weighted by each N;
 *   <li>else {@code optin}, to the canary clusters that opted in.
 * </ul>
 *
 * Clusters at an earlier kind of stage than the one the route takes (an {@code optin} cluster beside a
 * {@code percent} one) get no canary traffic until they reach it.
 */
public final class FeedRouting {
    /** The track label values, as the deploy engine writes them. */
    public static final String STABLE = "stable";

    public static final String CANARY = "canary";

    /**
     * Active checks every 250 ms with a 250 ms timeout, 2 failures to mark an endpoint down: a dead endpoint
     * (refused) is out within about 500 ms, an unreachable one (no answer) within about 750 ms, so a cluster
     * that fails gets no traffic within 1 s even when no request reveals it; 2 good checks bring it back.
     */
    static final Duration CHECK_INTERVAL = Duration.ofMillis(250);

    static final Duration CHECK_TIMEOUT = Duration.ofMillis(250);
    static final int CHECK_FALL = 2;
    static final int CHECK_RISE = 2;

    private FeedRouting() {}

    /** The routable services: those deployed to clusters, in slipway.yaml order. */
    public static List<ServiceSpec> routable(AppSpec app) {
        return app.services().stream().filter(ServiceSpec::deploysToClusters).toList();
    }

    /** What makes the settings unusable for this app, before anything starts. */
    public static List<Problem> problems(AppSpec app, FeedSettings settings) {
        List<Problem> problems = new ArrayList<>();
        List<ServiceSpec> services = routable(app);
        if (services.isEmpty()) {
            problems.add(Problem.at(
                    app.source(),
                    "app '" + app.app()
                            + "' has no service with an image, so nothing of it runs on clusters to route to",
                    "declare a service with image: and port:"));
        } else if (services.size() > 1 && settings.host().isEmpty()) {
            problems.add(new Problem(
                    "--host",
                    "app '" + app.app() + "' has " + services.size() + " routable services ("
                            + String.join(
                                    ", ",
                                    services.stream().map(ServiceSpec::name).toList())
                            + "); without a host only the first can be told apart",
                    "pass --host HOST: " + services.get(0).name() + " answers HOST, the others <service>.HOST"));
        }
        return problems;
    }

    /**
     * The config for {@code nodePorts} (cluster → service → track → nodePort) and {@code stages}; with no
     * backend at all yet, a placeholder route on a reserved host keeps the config valid and every request is
     * answered 404.
     */
    public static RouterConfig config(
            AppSpec app,
            ClusterGroup group,
            Map<String, Map<String, Map<String, Integer>>> nodePorts,
            Stages stages,
            FeedSettings settings) {
        Map<String, Backend> backends = new LinkedHashMap<>();
        List<Route> routes = new ArrayList<>();
        List<ServiceSpec> services = routable(app);
        for (int i = 0; i < services.size(); i++) {
            ServiceSpec s = services.get(i);
            List<Placed> stable = placed(group, nodePorts, s.name(), STABLE);
            if (stable.isEmpty()) {
                continue;
            }
            List<Placed> canary = placed(group, nodePorts, s.name(), CANARY);
            Split split = split(s.name(), stable, canary, stages);
            backends.put(s.name(), backend(s.name(), s, split.stable()));
            Optional<Migration> migration = Optional.empty();
            if (!split.canary().isEmpty()) {
                backends.put(s.name() + "-" + CANARY, backend(s.name() + "-" + CANARY, s, split.canary()));
                migration = Optional.of(new Migration(s.name() + "-" + CANARY, split.stage()));
            }
            routes.add(new Route(
                    s.name(),
                    host(settings, i, s.name()),
                    "/",
                    s.name(),
                    app.routeTimeout(s),
                    RouterConfig.DEFAULT_CONNECT_TIMEOUT,
                    migration,
                    settings.sticky()));
        }
        if (routes.isEmpty()) {
            backends.put(
                    "no-services",
                    new Backend(
                            "no-services",
                            List.of(new RouterConfig.Cluster("none", 1, List.of(new Address("127.0.0.1", 9)))),
                            0.5,
                            Optional.empty(),
                            OutlierDetection.defaults()));
            routes.add(new Route(
                    "no-services",
                    Optional.of("no-services.invalid"),
                    "/",
                    "no-services",
                    Duration.ofSeconds(1),
                    RouterConfig.DEFAULT_CONNECT_TIMEOUT,
                    Optional.empty()));
        }
        return new RouterConfig(
                settings.listen(),
                settings.admin(),
                settings.adminToken(),
                RouterConfig.Limits.defaults(),
                RouterConfig.RetryPolicy.defaults(),
                settings.telemetry(),
                settings.site(),
                false,
                Optional.empty(),
                backends,
                routes,
                Optional.empty());
    }

    /** How the environment's rollout keeps clients on one side, as the router's route stickiness. */
    public static RouterConfig.Stickiness sticky(EnvironmentSpec environment) {
        RolloutSpec.Sticky sticky =
                environment.rollout().map(RolloutSpec::sticky).orElse(RolloutSpec.Sticky.COOKIE);
        return new RouterConfig.Stickiness(sticky.header(), sticky.clientAddress());
    }

    private static Optional<String> host(FeedSettings settings, int index, String service) {
        return settings.host().map(h -> index == 0 ? h : service + "." + h);
    }

    /** A cluster of the group where a track of a service has a NodePort, with its endpoints. */
    private record Placed(Cluster cluster, List<Address> endpoints) {}

    private static List<Placed> placed(
            ClusterGroup group,
            Map<String, Map<String, Map<String, Integer>>> nodePorts,
            String service,
            String track) {
        List<Placed> out = new ArrayList<>();
        for (Cluster c : group.clusters()) {
            Integer port = nodePorts
                    .getOrDefault(c.name(), Map.of())
                    .getOrDefault(service, Map.of())
                    .get(track);
            if (port == null || c.nodes().isEmpty()) {
                continue;
            }
            out.add(new Placed(
                    c, c.nodes().stream().map(n -> new Address(n, port)).toList()));
        }
        return out;
    }

    /** A placed cluster as a backend's cluster, with its site, at {@code weight}. */
    private static RouterConfig.Cluster cluster(Placed p, int weight) {
        return new RouterConfig.Cluster(
                p.cluster().name(),
                weight,
                p.endpoints(),
                Optional.of(p.cluster().site()));
    }

    /** The two backends' clusters and the route's stage, from each cluster's stage. */
    private record Split(List<RouterConfig.Cluster> stable, List<RouterConfig.Cluster> canary, Stage stage) {}

    private static Split split(String service, List<Placed> stable, List<Placed> canary, Stages stages) {
        List<RouterConfig.Cluster> canaryAsIs =
                canary.stream().map(p -> cluster(p, p.cluster().weight())).toList();
        List<RouterConfig.Cluster> stableAsIs =
                stable.stream().map(p -> cluster(p, p.cluster().weight())).toList();
        Map<String, Stage> active = new LinkedHashMap<>();
        for (Placed p : canary) {
            Stage st = stages.stage(service, p.cluster().name());
            if (!(st instanceof Stage.Off)) {
                active.put(p.cluster().name(), st);
            }
        }
        if (active.isEmpty()) {
            return new Split(stableAsIs, canaryAsIs, Stage.off());
        }
        boolean shares =
                active.values().stream().anyMatch(st -> st instanceof Stage.Percent || st instanceof Stage.Full);
        if (shares) {
            // A cluster's stage decides how much of that cluster's traffic (its weight) its canary takes.
            long total = 0;
            long toCanary = 0;
            boolean allFull = true;
            List<RouterConfig.Cluster> stableOut = new ArrayList<>();
            for (Placed p : stable) {
                int share = share(active.get(p.cluster().name()));
                allFull &= share == 100;
                total += p.cluster().weight();
                toCanary += (long) p.cluster().weight() * share;
                stableOut.add(cluster(p, p.cluster().weight() * (100 - share)));
            }
            List<RouterConfig.Cluster> canaryOut = new ArrayList<>();
            for (Placed p : canary) {
                int share = share(active.get(p.cluster().name()));
                if (share > 0) {
                    canaryOut.add(cluster(p, p.cluster().weight() * share));
                }
            }
            if (allFull) {
                return new Split(stableAsIs, canaryAsIs, Stage.full());
            }
            if (toCanary == 0) {
                // percent 0 everywhere: nobody but opted-in clients reaches a canary
                return new Split(stableAsIs, canaryAsIs, Stage.percent(0));
            }
            int percent = total == 0 ? 0 : (int) Math.round((double) toCanary / total);
            return new Split(stableOut, canaryOut, Stage.percent(Math.max(1, Math.min(100, percent))));
        }
        List<Placed> rps = canary.stream()
                .filter(p -> active.get(p.cluster().name()) instanceof Stage.RequestsPerSecond)
                .toList();
        if (!rps.isEmpty()) {
            int sum = 0;
            List<RouterConfig.Cluster> canaryOut = new ArrayList<>();
            for (Placed p : rps) {
                int n = ((Stage.RequestsPerSecond) active.get(p.cluster().name())).perSecond();
                sum += n;
                canaryOut.add(cluster(p, n));
            }
            return new Split(stableAsIs, canaryOut, Stage.requestsPerSecond(sum));
        }
        List<RouterConfig.Cluster> optedIn =
                canaryAsIs.stream().filter(c -> active.containsKey(c.name())).toList();
        return new Split(stableAsIs, optedIn, Stage.optIn());
    }

    /** The share of a cluster's traffic its canary gets in the percent combination. */
    private static int share(Stage stage) {
        if (stage instanceof Stage.Full) {
            return 100;
        }
        if (stage instanceof Stage.Percent p) {
            return p.percent();
        }
        return 0;
    }

    private static Backend backend(String name, ServiceSpec service, List<RouterConfig.Cluster> clusters) {
        return new Backend(
                name,
                clusters,
                0.5,
                Optional.of(
                        new HealthCheck(service.healthPath(), CHECK_INTERVAL, CHECK_TIMEOUT, CHECK_FALL, CHECK_RISE)),
                OutlierDetection.defaults());
    }
}
