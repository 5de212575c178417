package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.rollout.feed.ClusterFeed;
import dev.slipway.rollout.feed.FeedSettings;
import dev.slipway.rollout.feed.FileStageSource;
import dev.slipway.rollout.feed.StageFile;
import dev.slipway.router.AdminToken;
import dev.slipway.router.RouterConfig;
import dev.slipway.router.Stage;
import dev.slipway.testkit.TestClusters;
import dev.slipway.testkit.TrackServices;
import java.io.IOException;
import java.io.StringWriter;
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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway rollout run} end to end: a fed router in process following the stages file, real backends on
 * the nodePorts of the mock clusters' Services, steady load, and the command judging the router's numbers.
 */
class RolloutRunTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    final List<AutoCloseable> owned = new ArrayList<>();
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stop() throws Exception {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
    }

    int backend(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", exchange -> {
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        owned.add(() -> server.stop(0));
        return server.getAddress().getPort();
    }

    TestClusters clusters;
    Path appDir;
    Path stagesFile;
    int port;
    CliRun cli;
    Path routers;
    final Set<String> answered = ConcurrentHashMap.newKeySet();

    /**
     * Two mock clusters with stable and canary backends, the rollout started (east-1 at its first step), a fed
     * router with an admin token following the stages file, steady load through it.
     */
    void startAll(String steps) throws Exception {
        clusters = TestClusters.start("east-1", "west-1");
        owned.add(clusters);
        for (String c : List.of("east-1", "west-1")) {
            for (String track : List.of("stable", "canary")) {
                TrackServices.put(
                        clusters.cluster(c), "shop", "shop", "production", "web", track, backend(c + "-" + track));
            }
        }
        appDir = RolloutCommandsTest.RolloutFixtures.app(tmp, steps);
        Path state = tmp.resolve("slipway/state");
        Path clustersFile = Files.writeString(tmp.resolve("clusters.yaml"), clusters.clustersFile("production", false));
        // what deploy does: the rollout starts, east-1 at its first step
        RolloutCommandsTest.RolloutFixtures.start(state, appDir, List.of("east-1", "west-1"));
        stagesFile = StageFile.defaultPath(state, "shop", "production");

        // the router `slipway router --env production` starts, with an admin token
        Path token = tmp.resolve("admin-token");
        OwnerOnlyFiles.write(token, "0123456789abcdef0123456789abcdef\n".getBytes(StandardCharsets.UTF_8));
        App app = AppLoader.load(appDir);
        ClusterFeed feed = ClusterFeed.start(
                app.spec(),
                app.spec().environment("production").orElseThrow(),
                new ClusterGroup(
                        "production",
                        false,
                        List.of(
                                new Cluster("east-1", "east-1", "east", List.of("127.0.0.1"), 1),
                                new Cluster("west-1", "west-1", "west", List.of("127.0.0.1"), 1))),
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                FileStageSource.follow(stagesFile, Duration.ofMillis(50), Clock.systemUTC()),
                new FeedSettings(
                        new RouterConfig.Address("127.0.0.1", 0),
                        new RouterConfig.Address("127.0.0.1", 0),
                        Optional.of(AdminToken.read(token)),
                        Optional.empty(),
                        RouterConfig.Telemetry.defaults(),
                        Optional.empty()));
        owned.add(feed::close);
        port = feed.router().address().getPort();
        routers = Files.writeString(tmp.resolve("routers.yaml"), """
                routers:
                  - admin: http://127.0.0.1:%d
                    tokenFile: admin-token
                """.formatted(
                        feed.router().adminAddress().getPort()));

        // steady load through the router; every answer names the backend
        AtomicBoolean loading = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            while (loading.get()) {
                answered.add(get(port));
            }
        });
        load.start();
        owned.add(() -> {
            loading.set(false);
            load.join();
        });

        cli = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_HOME", tmp.resolve("slipway").toString())
                .env("KUBECONFIG", clusters.kubeconfig().toString())
                .env("SLIPWAY_CLUSTERS", clustersFile.toString());
    }

    /** {@code slipway rollout run} on a thread of its own, stopped by interrupting it. */
    Thread startRun(CompletableFuture<CliRun.Result> run) {
        Thread runner = new Thread(() -> run.complete(cli.run(
                "rollout",
                "run",
                "shop",
                "--env",
                "production",
                "--app-dir",
                appDir.toString(),
                "--routers",
                routers.toString())));
        runner.start();
        owned.add(() -> {
            runner.interrupt();
            runner.join();
        });
        return runner;
    }

    JsonNode status() throws IOException {
        return JSON.readTree(cli.run(
                        "rollout",
                        "status",
                        "shop",
                        "--env",
                        "production",
                        "--app-dir",
                        appDir.toString(),
                        "-o",
                        "json")
                .out());
    }

    @Test
    void runMovesTrafficByTheRoutersNumbersAndStopsCleanlyWhenInterrupted() throws Exception {
        startAll("[{percent: 50, for: 1s}, full]");
        assertThat(StageFile.read(stagesFile).stage("web", "east-1")).isEqualTo(Stage.percent(50));
        CompletableFuture<CliRun.Result> run = new CompletableFuture<>();
        Thread runner = startRun(run);

        // east's canary gets traffic at 50% ...
        await().atMost(Duration.ofSeconds(10)).until(() -> answered.contains("east-1-canary"));
        assertThat(answered).doesNotContain("west-1-canary");
        // ... the step passes on the router's numbers after its second and moves east to full
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !StageFile.read(stagesFile).stage("web", "east-1").equals(Stage.percent(50)));
        assertThat(run).isNotDone();

        runner.interrupt();
        CliRun.Result result = run.get(30, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out())
                .contains("Running the rollout of shop revision 7 in production")
                .contains("numbers from [http://127.0.0.1:")
                .containsPattern("rollout\\.step  shop/production/east-1  \\(controller\\): .*pass")
                .contains("Stopped following the rollout")
                .contains("Continue with: slipway rollout run shop --env production");
        assertThat(result.out()).doesNotContain("0123456789abcdef");
        JsonNode east = status().at("/clusters/0");
        assertThat(east.path("step").asInt()).isEqualTo(1);
        assertThat(east.at("/lastCheck/verdict").asText()).isEqualTo("PASS");
        assertThat(east.at("/lastCheck/requests").asLong()).isGreaterThanOrEqualTo(5);
        // the same for people: a row per cluster with the last check's numbers
        CliRun.Result text =
                cli.run("rollout", "status", "shop", "--env", "production", "--app-dir", appDir.toString());
        assertThat(text.out())
                .containsPattern(
                        "east-1 +promot\\w+ +2/2 full +(full|off) +\\d+ +0 \\(0\\.00%\\) +\\d+ms +\\d+ms +pass")
                // west starts once east is promoted, which may happen before the interrupt stops the run
                .containsPattern("west-1 +(pending +- +off|running +1/2 percent 50 for 1s +percent 50)");
    }

    @Test
    void statusWatchFollowsARunThatAbortsOnABreachAndEndsWithExitOneAndTheNumbers() throws Exception {
        startAll("[{percent: 50, for: 1m}, full]");
        // east's canary answers every request with a 500
        HttpServer failing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        failing.createContext("/", exchange -> {
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        failing.start();
        owned.add(() -> failing.stop(0));
        TrackServices.put(
                clusters.cluster("east-1"),
                "shop",
                "shop",
                "production",
                "web",
                "canary",
                failing.getAddress().getPort());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<CliRun.Result> watch = new CompletableFuture<>();
        new Thread(() -> watch.complete(cli.run(
                        out,
                        err,
                        "rollout",
                        "status",
                        "shop",
                        "--env",
                        "production",
                        "--app-dir",
                        appDir.toString(),
                        "--watch")))
                .start();
        await().atMost(Duration.ofSeconds(20))
                .failFast("watch ended: " + err, watch::isDone)
                .until(() -> out.toString().contains("east-1  running  step 1/2 percent 50 for 1m"));

        CompletableFuture<CliRun.Result> run = new CompletableFuture<>();
        startRun(run);
        CliRun.Result watched = watch.get(60, TimeUnit.SECONDS);

        assertThat(watched.exitCode()).as(watched.toString()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(watched.out())
                .containsPattern("east-1  aborted  step 1/2 percent 50 for 1m  traffic off  canary \\d+"
                        + " requests, errors \\d+ \\(\\d+\\.\\d+%\\).*breach");
        assertThat(watched.err())
                .contains("the rollout of shop revision 7 in production was stopped; traffic is on stable")
                .containsPattern("east-1: aborted: breach: error rate \\d+\\.\\d+% above maxErrorRate 5%");
        assertThat(run.get(30, TimeUnit.SECONDS).exitCode()).isEqualTo(ExitCodes.USER_ERROR);
    }

    @Test
    void aClusterTheRoutersSeeUnhealthyPausesTheRolloutUntilItIsBack() throws Exception {
        startAll("[{percent: 50, for: 10m}, full]");
        CompletableFuture<CliRun.Result> run = new CompletableFuture<>();
        Thread runner = startRun(run);
        await().atMost(Duration.ofSeconds(10)).until(() -> answered.contains("east-1-canary"));

        // east's stable track loses its endpoint: its Service now points at a port nothing listens on
        TrackServices.put(clusters.cluster("east-1"), "shop", "shop", "production", "web", "stable", 1);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> status().at("/clusters/0/pause").asText().equals("CLUSTER_DOWN"));
        assertThat(status().path("down").toString()).contains("east-1");
        // the down cluster's canary gets no traffic meanwhile
        assertThat(StageFile.read(stagesFile).stage("web", "east-1")).isEqualTo(Stage.off());

        // back: a healthy stable endpoint again, and the rollout resumes its step
        TrackServices.put(
                clusters.cluster("east-1"), "shop", "shop", "production", "web", "stable", backend("east-1-stable-2"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> status().at("/clusters/0/status").asText().equals("RUNNING"));
        assertThat(StageFile.read(stagesFile).stage("web", "east-1")).isEqualTo(Stage.percent(50));

        runner.interrupt();
        CliRun.Result result = run.get(30, TimeUnit.SECONDS);
        assertThat(result.out())
                .contains("rollout.cluster-down  shop/production/east-1  (controller): cluster east-1 is unhealthy")
                .contains("rollout.cluster-up  shop/production/east-1");
    }

    @Test
    void aStoppedProcessLeavesTheRolloutWhereItWasAndSaysHowToContinue() throws Exception {
        Path appDir = RolloutCommandsTest.RolloutFixtures.app(tmp, "[{percent: 50, for: 1m}, full]");
        Path state = Files.createDirectories(tmp.resolve("state"));
        RolloutCommandsTest.RolloutFixtures.start(state, appDir, List.of("east-1", "west-1"));
        // no router answers here: the checks wait and say why
        Path routers = Files.writeString(tmp.resolve("routers.yaml"), "routers: [{admin: 'http://127.0.0.1:1'}]\n");
        Path output = tmp.resolve("run.out");
        Process run = LocalFixtures.start(
                Files.createDirectories(tmp.resolve("home")),
                state,
                output,
                "rollout",
                "run",
                "shop",
                "--env",
                "production",
                "--app-dir",
                appDir.toString(),
                "--routers",
                routers.toString());
        try {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("slipway rollout run exited", () -> !run.isAlive())
                    .until(() -> LocalFixtures.text(output).contains("Ctrl-C stops following"));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> JSON.readTree(Files.readString(state.resolve("rollouts/shop/production.json")))
                            .at("/state/clusters/0/lastCheck/reason")
                            .asText()
                            .contains("cannot read the routers' numbers"));

            run.destroy(); // SIGTERM, as Ctrl-C: the shutdown hook stops the controller

            assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(LocalFixtures.text(output))
                    .contains("Stopped following the rollout (under way); it stays where it is")
                    .contains("Continue with: slipway rollout run shop --env production");
            assertThat(StageFile.read(StageFile.defaultPath(state, "shop", "production"))
                            .stage("web", "east-1"))
                    .isEqualTo(Stage.percent(50));
        } finally {
            run.destroyForcibly();
        }
    }

    @Test
    void runWithoutARolloutSaysHowToStartOne() throws IOException {
        Path appDir = RolloutCommandsTest.RolloutFixtures.app(tmp, "[{percent: 50, for: 1s}, full]");
        CliRun.Result r = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_HOME", tmp.resolve("slipway").toString())
                .run("rollout", "run", "shop", "--env", "production", "--app-dir", appDir.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("there is no rollout of shop in production");
    }

    String get(int port) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "status " + r.statusCode();
        } catch (IOException e) {
            return "failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
