package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.api.Deploy;
import dev.slipway.api.Rollout;
import dev.slipway.api.RolloutCluster;
import dev.slipway.api.SlipwayClient;
import dev.slipway.core.render.SecretSource;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.server.ServerConfig;
import dev.slipway.server.ServerFixture;
import dev.slipway.server.SlipwayServer;
import dev.slipway.store.StoreConfig;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout through {@code slipway server} with nothing faked: the server's own deploy engine deploys {@code shop}
 * (one service, {@code web}, and a {@code rollout:} in production) to a group of two simulated clusters, which
 * bring the new image up as a canary beside stable and assign each track its nodePorts; small HTTP servers on
 * 127.0.0.1 answer on those nodePorts as the clusters' nodes would; two real {@code slipway router --env production
 * --server URL} processes are fed by the clusters and follow the server's stages, and the server judges the
 * canary on both routers' {@code /stats}; a steady load runs through both routers all along.
 *
 * <p>Each test deploys a new image over the stable one the previous left (tests do not depend on their order):
 * a canary that never becomes healthy, a rollout to 100 %, a server restarted mid-rollout and an abort by hand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerCanaryRolloutTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String STEPS_TO_FULL = "[optin, {percent: 50, for: 2s}, full]";
    static final String STEPS_HOLDING = "[optin, {percent: 30, for: 1h}, full]";
    static final List<String> CLUSTERS = List.of("east", "west");

    static {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    @TempDir
    static Path tmp;

    TestClusters clusters;
    Path appDir;
    ServerConfig config;
    SlipwayServer server;
    SlipwayClient admin;
    final List<Router> routers = new ArrayList<>();
    final Map<Integer, HttpServer> backends = new ConcurrentHashMap<>();
    final HttpClient http = HttpClient.newHttpClient();
    Load load;
    int images = 1;

    /** A router process: its traffic port and its admin port. */
    record Router(Process process, int port, int adminPort) {}

    @BeforeAll
    void start() throws Exception {
        clusters = TestClusters.start("east", "west");
        appDir = Files.createDirectories(tmp.resolve("shop"));
        writeSpec("acme/web:1", STEPS_TO_FULL);
        Path clustersFile = Files.writeString(tmp.resolve("clusters.yaml"), clusters.clustersFile("production", false));
        List<Integer> adminPorts = List.of(freePort(), freePort());
        Path state = tmp.resolve("state");
        config = ServerConfig.loopback(state, clustersFile)
                .withStore(StoreConfig.h2File(state.resolve("store")))
                .withServerId("canary-e2e")
                .withDeployTimeout(Duration.ofSeconds(20))
                .withReaperInterval(Duration.ofHours(1))
                .withRouters(adminPorts.stream()
                        .map(p -> new ServerConfig.RouterAdmin(URI.create("http://127.0.0.1:" + p), Optional.empty()))
                        .toList());
        server = startServer();
        // A restart comes back on the same port, where the routers keep polling.
        config = config.withBind("127.0.0.1", server.port());
        admin = SlipwayClient.withToken(server.url(), ServerFixture.adminToken(config), Optional.empty());
        admin.registerApp(appDir.toString(), Optional.empty(), Optional.empty());

        Deploy first = deploy("acme/web:1", STEPS_TO_FULL);
        assertThat(first.state()).as(first.toString()).isEqualTo("succeeded");
        for (String cluster : CLUSTERS) {
            serve(nodePort(cluster, "web-stable"), cluster + " stable");
        }

        Path token = Files.writeString(tmp.resolve("router.token"), issueReadToken() + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        for (int i = 0; i < 2; i++) {
            routers.add(router(i, adminPorts.get(i), clustersFile, token));
        }
        for (Router r : routers) {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> get(r.port(), Map.of()).endsWith(" stable"));
            await().atMost(Duration.ofSeconds(20)).until(() -> stagesFresh(r));
        }
        load = new Load();
    }

    @AfterAll
    void stop() {
        if (load != null) {
            load.close();
        }
        for (Router r : routers) {
            r.process().destroy();
            try {
                if (!r.process().waitFor(20, TimeUnit.SECONDS)) {
                    r.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (server != null) {
            server.close();
        }
        backends.values().forEach(b -> b.stop(0));
        if (clusters != null) {
            clusters.close();
        }
    }

    @BeforeEach
    void freshCounts() {
        load.resetAnswers();
        load.resetFailures();
    }

    @Test
    void aCanaryThatNeverBecomesHealthyIsRecordedAbortedWithTheReasonAndStableServesThroughout() throws Exception {
        String stableImage = image("east", "web");

        Deploy failed;
        StageSampler sampler = new StageSampler();
        try {
            failed = deploy("acme/web:fail", STEPS_TO_FULL);
            load.awaitMore(40);
        } finally {
            sampler.close();
        }

        assertThat(failed.state()).as(failed.toString()).isEqualTo("failed");
        assertThat(failed.message().orElseThrow()).contains("the canary never became healthy");
        for (List<String> seen : sampler.seen()) {
            assertThat(seen)
                    .as("stages a router had: traffic never left stable")
                    .containsExactly("off");
        }
        Rollout rollout = admin.rollout("shop", "production");
        assertThat(rollout.settled()).isTrue();
        assertThat(rollout.promoted()).isFalse();
        RolloutCluster east = rollout.clusters().get(0);
        assertThat(east.cluster()).isEqualTo("east");
        assertThat(east.status()).isEqualTo("failed");
        assertThat(east.reason()).startsWith("the canary in east cannot run: ").contains("stable serves as before");
        assertThat(east.stage()).isEqualTo("off");
        assertThat(rollout.clusters())
                .as("west was not deployed: the group halted at east")
                .extracting(RolloutCluster::cluster)
                .containsExactly("east");
        assertThat(audit("rollout.fail")).anySatisfy(e -> {
            assertThat(e.path("target").asText()).isEqualTo("shop/production/east");
            assertThat(e.path("details").asText()).contains("the canary in east cannot run");
        });
        assertThat(admin.rolloutStages("shop", "production", 0, Duration.ZERO).stages())
                .containsEntry("east", "off");
        for (String cluster : CLUSTERS) {
            assertThat(deployment(cluster, "web-canary"))
                    .as("canary on %s", cluster)
                    .isNull();
            assertThat(image(cluster, "web")).isEqualTo(stableImage);
        }
        assertThat(load.failures()).as("no request failed").isEmpty();
        assertThat(load.answers().keySet()).allMatch(a -> a.endsWith(" stable"));
    }

    @Test
    void aHealthyCanaryIsRolledOutTo100PercentWithNoFailedRequestBothRoutersFollowingTheServer() throws Exception {
        String next = nextImage();
        Deploy deployed = deployWithCanaries(next, STEPS_TO_FULL);
        assertThat(deployed.state()).as(deployed.toString()).isEqualTo("succeeded");
        awaitStageOnEveryRouter("optin");
        for (Router r : routers) {
            assertThat(get(r.port(), Map.of("X-Slipway-Optin", "*")))
                    .as("an opted-in request through the router on %s", r.port())
                    .endsWith(" canary");
        }
        StageSampler sampler = new StageSampler();
        try {
            admin.resumeRollout("shop", "production", Optional.of("optin looked fine"));
            await().atMost(Duration.ofSeconds(60))
                    .failFast("the rollout stopped", () -> {
                        Rollout r = admin.rollout("shop", "production");
                        return r.settled() && !r.promoted();
                    })
                    .until(() -> admin.rollout("shop", "production").promoted());
            awaitStageOnEveryRouter("off");
        } finally {
            sampler.close();
        }
        load.awaitMore(40);

        assertThat(load.failures()).as("no request failed").isEmpty();
        assertThat(load.answers()).containsKeys("east canary", "west canary", "east stable", "west stable");
        for (List<String> seen : sampler.seen()) {
            assertThat(seen).as("stages one router went through").contains("percent 50");
        }
        String page = console("/apps/shop/environments/production");
        for (String cluster : CLUSTERS) {
            assertThat(page)
                    .as("the group picture: %s healthy as both routers see it", cluster)
                    .contains("data-cluster=\"" + cluster + "\" data-health=\"healthy\"");
        }
        for (String cluster : CLUSTERS) {
            assertThat(image(cluster, "web")).as("stable on %s", cluster).isEqualTo(next);
            assertThat(deployment(cluster, "web-canary"))
                    .as("canary on %s", cluster)
                    .isNull();
        }
        Rollout rollout = admin.rollout("shop", "production");
        assertThat(rollout.clusters()).allSatisfy(c -> assertThat(c.status()).isEqualTo("promoted"));
        // The console charts the windows the controller judged on the routers' numbers, canary beside stable.
        String section = console("/apps/shop/environments/production/rollout");
        java.util.regex.Matcher judged =
                java.util.regex.Pattern.compile("data-checks=\"(\\d+)\"").matcher(section);
        assertThat(judged.find()).as(section).isTrue();
        assertThat(Integer.parseInt(judged.group(1))).as("windows judged").isPositive();
        assertThat(section)
                .containsPattern("<polyline class=\"canary\" points=\"\\d+,\\d+")
                .containsPattern("<polyline class=\"stable\" points=\"\\d+,\\d+");
        load.resetAnswers();
        load.awaitMore(20);
        assertThat(load.answers().keySet()).allMatch(a -> a.endsWith(" stable"));
    }

    @Test
    void aServerRestartedMidRolloutResumesWithTheSameSplitAndAnAbortByHandPutsEveryoneOnStable() throws Exception {
        String stableImage = image("east", "web");
        Deploy deployed = deployWithCanaries(nextImage(), STEPS_HOLDING);
        assertThat(deployed.state()).as(deployed.toString()).isEqualTo("succeeded");
        awaitStageOnEveryRouter("optin");
        admin.resumeRollout("shop", "production", Optional.empty());
        awaitStageOnEveryRouter("percent 30");
        Rollout before = admin.rollout("shop", "production");
        load.awaitMore(40);

        StageSampler sampler = new StageSampler();
        try {
            server.close();
            for (Router r : routers) {
                await().atMost(Duration.ofSeconds(30)).until(() -> !stagesFresh(r));
            }
            load.resetAnswers();
            load.awaitMore(80);
            assertThat(load.answers())
                    .as("the routers keep the split while the server is down")
                    .containsKeys("east canary", "west canary", "east stable", "west stable");

            server = startServer();
            for (Router r : routers) {
                await().atMost(Duration.ofSeconds(30)).until(() -> stagesFresh(r));
            }
            Rollout after = admin.rollout("shop", "production");
            for (int i = 0; i < CLUSTERS.size(); i++) {
                RolloutCluster was = before.clusters().get(i);
                RolloutCluster is = after.clusters().get(i);
                assertThat(is.step())
                        .as("step of %s", is.cluster())
                        .isEqualTo(2)
                        .isEqualTo(was.step());
                assertThat(is.stage()).isEqualTo("percent 30");
                assertThat(is.stepEnteredAt())
                        .as("the step was not entered again")
                        .isEqualTo(was.stepEnteredAt());
                assertThat(is.status()).isEqualTo("running");
            }
            load.awaitMore(40);
        } finally {
            sampler.close();
        }
        for (List<String> seen : sampler.seen()) {
            assertThat(seen).as("stages a router had through the restart").containsExactly("percent 30");
        }

        admin.abortRollout("shop", "production", Optional.of("by hand in the test"));
        awaitStageOnEveryRouter("off");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> admin.rollout("shop", "production").settled());
        assertThat(admin.rollout("shop", "production").clusters()).allSatisfy(c -> {
            assertThat(c.status()).isEqualTo("aborted");
            assertThat(c.reason()).contains("by hand in the test");
        });
        assertThat(load.failures()).as("no request failed").isEmpty();
        load.resetAnswers();
        load.awaitMore(40);
        assertThat(load.answers().keySet()).as("all traffic on stable").allMatch(a -> a.endsWith(" stable"));
        for (String cluster : CLUSTERS) {
            assertThat(deployment(cluster, "web-canary"))
                    .as("canary on %s", cluster)
                    .isNull();
            assertThat(image(cluster, "web")).isEqualTo(stableImage);
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    SlipwayServer startServer() {
        return SlipwayServer.start(
                config,
                Clock.systemUTC(),
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                SecretSource.REDACTED);
    }

    String nextImage() {
        images++;
        return "acme/web:" + images;
    }

    void writeSpec(String image, String steps) throws IOException {
        Files.writeString(appDir.resolve("slipway.yaml"), """
                app: shop
                environments:
                  production:
                    group: production
                    namespace: shop
                    rollout:
                      steps: %s
                      # Latency limits loose enough for a loaded two-core machine: this test is about the flow.
                      analysis: {interval: 1s, minRequests: 10, maxErrorRate: 1%%, maxP99: 10s, maxP99Ratio: 100}
                      clusters: together
                services:
                  - {name: web, image: "%s", port: 8080, health: /healthz}
                """.formatted(steps, image));
    }

    Deploy deploy(String image, String steps) throws IOException {
        writeSpec(image, steps);
        Deploy queued = admin.deploy("shop", "production", Optional.of(image.substring(image.indexOf(':') + 1)));
        return admin.follow(queued.id(), line -> {});
    }

    /** Deploys {@code image}, then answers on each cluster's canary nodePort and waits until both routers see it. */
    Deploy deployWithCanaries(String image, String steps) throws IOException {
        Deploy deployed = deploy(image, steps);
        if (deployed.state().equals("succeeded")) {
            for (String cluster : CLUSTERS) {
                serve(nodePort(cluster, "web-canary"), cluster + " canary");
            }
            for (Router r : routers) {
                await().atMost(Duration.ofSeconds(20)).until(() -> canaryAvailable(r));
            }
        }
        return deployed;
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

    Deployment deployment(String cluster, String name) {
        return clusters.cluster(cluster)
                .client()
                .apps()
                .deployments()
                .inNamespace("shop")
                .withName(name)
                .get();
    }

    String image(String cluster, String name) {
        return deployment(cluster, name)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getImage();
    }

    /** What the cluster's node answers on {@code port}: {@code answer}, to every path (health checks too). */
    void serve(int port, String answer) {
        backends.computeIfAbsent(port, p -> {
            try {
                HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", p), 64);
                backend.createContext("/", exchange -> {
                    exchange.getRequestBody().readAllBytes();
                    byte[] body = answer.getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                });
                backend.setExecutor(Executors.newFixedThreadPool(4));
                backend.start();
                return backend;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    Router router(int index, int adminPort, Path clustersFile, Path token) throws Exception {
        Path output = tmp.resolve("router-" + index + ".out");
        Process process = LocalFixtures.start(
                Files.createDirectories(tmp.resolve("router-home-" + index)),
                Files.createDirectories(tmp.resolve("router-state-" + index)),
                output,
                "router",
                "--env",
                "production",
                "--app",
                appDir.toString(),
                "--clusters",
                clustersFile.toString(),
                "--kubeconfig",
                clusters.kubeconfig().toString(),
                "--listen",
                "127.0.0.1:0",
                "--admin",
                "127.0.0.1:" + adminPort,
                "--drain-seconds",
                "1",
                "--server",
                server.url(),
                "--token-file",
                token.toString());
        Pattern listening = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+), admin on /127\\.0\\.0\\.1:(\\d+)");
        await().atMost(Duration.ofSeconds(90))
                .failFast("slipway router exited: " + output, () -> !process.isAlive())
                .until(() -> listening.matcher(LocalFixtures.text(output)).find());
        Matcher m = listening.matcher(LocalFixtures.text(output));
        assertThat(m.find()).isTrue();
        assertThat(Integer.parseInt(m.group(2))).isEqualTo(adminPort);
        return new Router(process, Integer.parseInt(m.group(1)), adminPort);
    }

    JsonNode routerConfig(Router r) throws IOException {
        return JSON.readTree(adminGet(r, "/config"));
    }

    /** The stage of route {@code web} on a router: {@code off} when it has no migration. */
    String stage(Router r) throws IOException {
        for (JsonNode route : routerConfig(r).path("routes")) {
            if (route.path("name").asText().equals("web")) {
                JsonNode migration = route.path("migration");
                return migration.isMissingNode()
                        ? "off"
                        : migration.path("stage").asText();
            }
        }
        return "(no route web)";
    }

    void awaitStageOnEveryRouter(String expected) {
        for (Router r : routers) {
            await().atMost(Duration.ofSeconds(20))
                    .alias("stage " + expected + " on the router with admin port " + r.adminPort())
                    .until(() -> stage(r).equals(expected));
        }
    }

    boolean canaryAvailable(Router r) throws IOException {
        JsonNode canary = routerConfig(r).path("backends").path("web-canary").path("clusters");
        int available = 0;
        for (JsonNode cluster : canary) {
            for (JsonNode endpoint : cluster.path("endpoints")) {
                if (endpoint.path("available").asBoolean()) {
                    available++;
                }
            }
        }
        return available == CLUSTERS.size();
    }

    boolean stagesFresh(Router r) {
        return adminGet(r, "/healthz").contains("\"(stages)\" : \"ok\"");
    }

    String adminGet(Router r, String path) {
        return LocalFixtures.get(r.adminPort(), "127.0.0.1:" + r.adminPort(), path);
    }

    /** A GET through a router with the given headers: the body when 200, else the status line or the error. */
    static String get(int port, Map<String, String> headers) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder("GET / HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n");
            headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
            OutputStream o = s.getOutputStream();
            o.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = response.indexOf("\r\n");
            String status = end < 0 ? response : response.substring(0, end);
            if (!status.contains(" 200 ")) {
                return "status: " + status + ": "
                        + response.substring(response.indexOf("\r\n\r\n") + 4).strip();
            }
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        } catch (IOException e) {
            return "error: " + e;
        }
    }

    List<JsonNode> audit(String action) throws Exception {
        HttpResponse<String> reply = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + "/api/audit?action="
                                + URLEncoder.encode(action, StandardCharsets.UTF_8)))
                        .header("Authorization", "Bearer " + ServerFixture.adminToken(config))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(reply.body());
        JsonNode entries = body.isArray() ? body : body.path("entries");
        List<JsonNode> list = new ArrayList<>();
        entries.forEach(list::add);
        return list;
    }

    /** A console page, read as the admin after logging in with its token. */
    String console(String path) throws Exception {
        HttpResponse<String> login = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("next=%2F&token="
                                + URLEncoder.encode(ServerFixture.adminToken(config), StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        HttpResponse<String> section = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path))
                        .header("Cookie", cookie)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(section.statusCode()).as(section.body()).isEqualTo(200);
        return section.body();
    }

    String issueReadToken() throws Exception {
        HttpResponse<String> reply = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + "/api/tokens"))
                        .header("Authorization", "Bearer " + ServerFixture.adminToken(config))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"router\", \"scope\": \"read\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(reply.statusCode()).as(reply.body()).isLessThan(300);
        return JSON.readTree(reply.body()).get("secret").asText();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** One request every 25 ms, to the routers in turn, each answer counted. */
    final class Load implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
        private final List<String> failures = new CopyOnWriteArrayList<>();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong answered = new AtomicLong();

        Load() {
            timer.scheduleAtFixedRate(this::once, 0, 25, TimeUnit.MILLISECONDS);
        }

        private void once() {
            Router r = routers.get((int) (sent.getAndIncrement() % routers.size()));
            String answer = get(r.port(), Map.of());
            if (answer.endsWith(" stable") || answer.endsWith(" canary")) {
                answers.computeIfAbsent(answer, a -> new AtomicInteger()).incrementAndGet();
            } else {
                failures.add(answer);
            }
            answered.incrementAndGet();
        }

        /** Forgets the answers counted so far; failures are kept until {@link #resetFailures}. */
        void resetAnswers() {
            answers.clear();
        }

        void resetFailures() {
            failures.clear();
        }

        int count() {
            return (int) answered.get();
        }

        /** Waits until {@code n} more requests have been answered. */
        void awaitMore(int n) {
            int target = count() + n;
            await().atMost(Duration.ofSeconds(30)).until(() -> count() >= target);
        }

        Map<String, Integer> answers() {
            Map<String, Integer> copy = new HashMap<>();
            answers.forEach((k, v) -> copy.put(k, v.get()));
            return copy;
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** Every 50 ms, the stage of route web on each router; {@link #seen} keeps each router's distinct stages in order. */
    final class StageSampler implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final List<Set<String>> seen = new ArrayList<>();

        StageSampler() {
            for (int i = 0; i < routers.size(); i++) {
                seen.add(Collections.synchronizedSet(new LinkedHashSet<>()));
            }
            timer.scheduleAtFixedRate(this::once, 0, 50, TimeUnit.MILLISECONDS);
        }

        private void once() {
            for (int i = 0; i < routers.size(); i++) {
                try {
                    seen.get(i).add(stage(routers.get(i)));
                } catch (IOException | RuntimeException e) {
                    seen.get(i).add("unreadable: " + e);
                }
            }
        }

        List<List<String>> seen() {
            List<List<String>> copy = new ArrayList<>();
            for (Set<String> s : seen) {
                synchronized (s) {
                    copy.add(List.copyOf(s));
                }
            }
            return copy;
        }

        @Override
        public void close() throws InterruptedException {
            timer.shutdown();
            timer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
