import com.sun.net.httpserver.HttpServer;
import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.rollout.controller.EngineTracks;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutEvents;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RolloutStore;
import dev.slipway.rollout.controller.RouterTrafficStats;
import dev.slipway.rollout.feed.ClusterFeed;
import dev.slipway.rollout.feed.FeedSettings;
import dev.slipway.rollout.feed.FixedStageSource;
import dev.slipway.rollout.feed.Stages;
import dev.slipway.router.Router;
import dev.slipway.router.RouterConfig;
import dev.slipway.testkit.TestClusters;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rollout benchmark (docs/benchmarks.md, "Rollout benchmark"): the parts as in production, in one process — the
 * deploy engine on two stand-in clusters, real HTTP backends on the assigned nodePorts, a router fed by the
 * clusters, the controller on the real clock ticking every analysis interval — under a steady load of closed-loop
 * clients. Measures, per run:
 *
 * <ul>
 *   <li>abort: from the moment the canary starts answering 500 until no request reaches it any more, and the
 *       failed requests clients saw meanwhile;
 *   <li>promote: failed requests during a whole rollout to 100 % (percent step, full, promotion, canary removed);
 *   <li>router latency with the fed config against the same config started statically, same load.
 * </ul>
 *
 * Usage: java RolloutBenchmark WORKDIR RUNS INTERVAL_SECONDS
 */
public final class RolloutBenchmark {
    static final RolloutKey KEY = new RolloutKey("shop", "production");
    static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        Path work = Path.of(args[0]);
        int runs = Integer.parseInt(args[1]);
        int interval = Integer.parseInt(args[2]);
        List<Long> abortMillis = new ArrayList<>();
        List<Long> abortFailed = new ArrayList<>();
        List<Long> abortDecided = new ArrayList<>();
        List<Long> promoteFailed = new ArrayList<>();
        List<Long> promoteRequests = new ArrayList<>();
        List<double[]> latency = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            try (Setup s = new Setup(work.resolve("abort-" + run), interval)) {
                long[] r = s.abort();
                abortMillis.add(r[0]);
                abortFailed.add(r[1]);
                abortDecided.add(r[2]);
            }
            try (Setup s = new Setup(work.resolve("promote-" + run), interval)) {
                long[] r = s.promote();
                promoteFailed.add(r[0]);
                promoteRequests.add(r[1]);
                latency.add(s.fedVersusStatic());
            }
            System.err.println("run " + (run + 1) + " of " + runs + " done");
        }
        System.out.println("| figure (median of " + runs + " runs, analysis interval " + interval + " s) | value |");
        System.out.println("|---|---|");
        System.out.println("| canary starts failing to the last request it answers (all traffic on stable) | "
                + median(abortMillis) + " ms |");
        System.out.println("| canary starts failing to the rollout aborted (stage off, canary removed) | "
                + median(abortDecided) + " ms |");
        System.out.println("| failed requests clients saw from the breach on (abort) | " + median(abortFailed) + " |");
        System.out.println("| failed requests during a rollout to 100 % (promote, canary removed) | "
                + median(promoteFailed) + " of " + median(promoteRequests) + " |");
        double[] fed = new double[latency.size()];
        double[] fixed = new double[latency.size()];
        double[] fed99 = new double[latency.size()];
        double[] fixed99 = new double[latency.size()];
        for (int i = 0; i < latency.size(); i++) {
            fed[i] = latency.get(i)[0];
            fed99[i] = latency.get(i)[1];
            fixed[i] = latency.get(i)[2];
            fixed99[i] = latency.get(i)[3];
        }
        System.out.printf(
                "| router p50 / p99, fed by the clusters | %.3f / %.3f ms |%n", median(fed), median(fed99));
        System.out.printf(
                "| router p50 / p99, same config started statically | %.3f / %.3f ms |%n",
                median(fixed), median(fixed99));
        System.out.printf("| ratio fed / static (p50) | %.2f |%n", median(fed) / median(fixed));
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Long::compare);
        return sorted.get(sorted.size() / 2);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** One environment: v1 stable and v2 canary on two clusters, backends, the fed router and a controller. */
    static final class Setup implements AutoCloseable {
        final TestClusters clusters = TestClusters.start("east", "west");
        final DeployEngine engine =
                new DeployEngine(KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())), Clock.systemUTC());
        final List<HttpServer> backends = new ArrayList<>();
        final AtomicBoolean canaryFails = new AtomicBoolean();
        final AtomicLong canaryServed = new AtomicLong();
        final AtomicLong lastCanaryNanos = new AtomicLong();
        final FixedStageSource stages = FixedStageSource.off();
        final Path dir;
        final int interval;
        ClusterFeed feed;
        RolloutController controller;
        Rendering v2;

        Setup(Path dir, int interval) throws IOException {
            this.dir = dir;
            this.interval = interval;
            deploy("acme/web:1");
            for (String c : List.of("east", "west")) {
                serve(nodePort(c, "web-stable"), false);
            }
            v2 = deploy("acme/web:2");
            for (String c : List.of("east", "west")) {
                serve(nodePort(c, "web-canary"), true);
            }
            feed = ClusterFeed.start(
                    v2.app().spec(),
                    v2.app().spec().environment("production").orElseThrow(),
                    v2.group(),
                    KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                    stages,
                    FeedSettings.on(new RouterConfig.Address("127.0.0.1", 0)));
            while (!feed.router().config().backends().containsKey("web-canary")) {
                Thread.onSpinWait();
            }
            EnvironmentTarget env = EnvironmentTarget.of(v2);
            controller = new RolloutController(
                    RolloutStore.inMemory(),
                    new RouterTrafficStats(
                            Map.of("router", feed.router()::stats),
                            key -> List.of(new RouterTrafficStats.TrackRoutes("web", "web", "web-canary"))),
                    (key, cluster, stage) -> stages.change(st -> st.with(Stages.ALL_SERVICES, cluster, stage)),
                    EngineTracks.byController(engine, key -> env),
                    RolloutEvents.none(),
                    Clock.systemUTC());
        }

        Rendering deploy(String image) throws IOException {
            Files.createDirectories(dir.resolve("kubernetes"));
            Files.writeString(dir.resolve("slipway.yaml"), """
                    app: shop
                    manifests: kubernetes/
                    environments:
                      production:
                        group: production
                        namespace: shop
                        rollout:
                          steps: [{percent: 50, for: %1$ds}, full]
                          analysis: {interval: %1$ds, minRequests: 20, maxErrorRate: 1%%, maxP99: 2s, maxP99Ratio: 20}
                          clusters: together
                    services:
                      - {name: web, image: "%2$s", port: 8080, health: /healthz}
                    """.formatted(interval, image));
            Files.writeString(dir.resolve("kubernetes/settings.yaml"), """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: settings}
                    data: {greeting: hello}
                    """);
            Files.writeString(dir.resolve("clusters.yaml"), clusters.clustersFile("production", false));
            Rendering r = new Renderer(SecretSource.REDACTED)
                    .render(AppLoader.load(dir), "production", ClustersConfigLoader.load(dir.resolve("clusters.yaml")));
            DeployReport report = engine.deploy(
                    r, DeployOptions.by("bench").withRef(image).withTimeout(Duration.ofSeconds(30)), DeployListener.NONE);
            if (!report.succeeded()) {
                throw new IllegalStateException("deploy failed: " + report);
            }
            return r;
        }

        int nodePort(String cluster, String service) {
            return clusters.cluster(cluster)
                    .client()
                    .services()
                    .inNamespace("shop")
                    .withName(service)
                    .get()
                    .getSpec()
                    .getPorts()
                    .get(0)
                    .getNodePort();
        }

        void serve(int port, boolean canary) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                boolean fail = false;
                if (canary && !exchange.getRequestURI().getPath().equals("/healthz")) {
                    canaryServed.incrementAndGet();
                    lastCanaryNanos.set(System.nanoTime());
                    fail = canaryFails.get();
                }
                byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
            server.start();
            backends.add(server);
        }

        /** Closed-loop clients through {@code port} until stopped; counts answers that were not 200. */
        static final class Load implements AutoCloseable {
            final AtomicBoolean running = new AtomicBoolean(true);
            final AtomicLong requests = new AtomicLong();
            final AtomicLong failed = new AtomicLong();
            final List<Thread> threads = new ArrayList<>();
            final List<Long> nanos = java.util.Collections.synchronizedList(new ArrayList<>());
            volatile boolean timing;

            Load(int port, int clients) {
                URI uri = URI.create("http://127.0.0.1:" + port + "/");
                for (int i = 0; i < clients; i++) {
                    Thread t = new Thread(() -> {
                        HttpClient client = HttpClient.newHttpClient();
                        while (running.get()) {
                            long start = System.nanoTime();
                            try {
                                int status = client.send(
                                                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                                                HttpResponse.BodyHandlers.discarding())
                                        .statusCode();
                                if (status != 200) {
                                    failed.incrementAndGet();
                                }
                            } catch (IOException e) {
                                failed.incrementAndGet();
                            } catch (InterruptedException e) {
                                return;
                            }
                            requests.incrementAndGet();
                            if (timing) {
                                nanos.add(System.nanoTime() - start);
                            }
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                    threads.add(t);
                }
            }

            @Override
            public void close() throws InterruptedException {
                running.set(false);
                for (Thread t : threads) {
                    t.join();
                }
            }
        }

        /** {breach to no canary traffic (ms), failed requests from the breach on, canary 5xx among them}. */
        long[] abort() throws Exception {
            controller.start(KEY, v2.app().spec().environment("production").orElseThrow().rollout().orElseThrow(),
                    "v2", List.of("east", "west"), "bench");
            try (Load load = new Load(feed.router().address().getPort(), 4)) {
                tickFor(Duration.ofSeconds(interval)); // one healthy window first
                long failedBefore = load.failed.get();
                long breach = System.nanoTime();
                canaryFails.set(true);
                RolloutState state = controller.status(KEY).orElseThrow();
                while (!state.finished()) {
                    Thread.sleep(50);
                    state = controller.tick(KEY);
                }
                long aborted = System.nanoTime();
                // All traffic is on stable once no request reached the canary for a while.
                long quietFrom;
                do {
                    quietFrom = lastCanaryNanos.get();
                    Thread.sleep(500);
                } while (lastCanaryNanos.get() != quietFrom);
                long failed = load.failed.get() - failedBefore;
                return new long[] {(quietFrom - breach) / 1_000_000, failed, (aborted - breach) / 1_000_000};
            }
        }

        /** {failed requests, requests} during a rollout to 100 %. */
        long[] promote() throws Exception {
            controller.start(KEY, v2.app().spec().environment("production").orElseThrow().rollout().orElseThrow(),
                    "v2", List.of("east", "west"), "bench");
            try (Load load = new Load(feed.router().address().getPort(), 4)) {
                RolloutState state = controller.status(KEY).orElseThrow();
                while (!state.settled()) {
                    Thread.sleep(50);
                    state = controller.tick(KEY);
                }
                if (!state.promoted()) {
                    throw new IllegalStateException("not promoted: " + state);
                }
                Thread.sleep(1000); // the canary's Services go; the router follows
                return new long[] {load.failed.get(), load.requests.get()};
            }
        }

        void tickFor(Duration d) throws InterruptedException {
            long end = System.nanoTime() + d.toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(50);
                controller.tick(KEY);
            }
        }

        /** {fed p50, fed p99, static p50, static p99} in ms: the same load on each, 5 s after 2 s warm-up, twice. */
        double[] fedVersusStatic() throws Exception {
            try (Router fixed = Router.start(withListen(feed.router().config()))) {
                int fedPort = feed.router().address().getPort();
                int staticPort = fixed.address().getPort();
                // Both warmed first, then measured in the order fed, static, static, fed: neither gains from
                // running later in a warmer JVM.
                latency(fedPort);
                latency(staticPort);
                double[] fed1 = latency(fedPort);
                double[] stat1 = latency(staticPort);
                double[] stat2 = latency(staticPort);
                double[] fed2 = latency(fedPort);
                return new double[] {
                    (fed1[0] + fed2[0]) / 2, (fed1[1] + fed2[1]) / 2, (stat1[0] + stat2[0]) / 2, (stat1[1] + stat2[1]) / 2
                };
            }
        }

        static RouterConfig withListen(RouterConfig config) {
            return RouterConfig.of(new RouterConfig.Address("127.0.0.1", 0), List.copyOf(config.backends().values()),
                    config.routes());
        }

        static double[] latency(int port) throws Exception {
            try (Load load = new Load(port, 4)) {
                Thread.sleep(2000);
                load.timing = true;
                Thread.sleep(5000);
                load.timing = false;
                List<Long> sorted = new ArrayList<>(load.nanos);
                sorted.sort(Long::compare);
                return new double[] {
                    sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6
                };
            }
        }

        @Override
        public void close() {
            if (feed != null) {
                feed.close();
            }
            backends.forEach(b -> b.stop(0));
            clusters.close();
        }
    }
}
