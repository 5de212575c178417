package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.feed.StageFileTraffic;
import dev.slipway.router.Stage;
import dev.slipway.testkit.TestClusters;
import dev.slipway.testkit.TrackServices;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code slipway router}: from its file or fed by the clusters, never both. */
class RouterCommandTest {
    @TempDir
    Path tmp;

    @Test
    void configAndEnvAreExclusiveAndOneOfThemIsNeeded() {
        CliRun cli = new CliRun(tmp, tmp);
        CliRun.Result both = cli.run("router", "--config", "router.yaml", "--env", "production");
        assertThat(both.exitCode()).as(both::toString).isEqualTo(ExitCodes.USAGE);
        assertThat(both.err()).contains("are exclusive");

        CliRun.Result hostWithFile = cli.run("router", "--config", "router.yaml", "--host", "shop.example.com");
        assertThat(hostWithFile.exitCode()).isEqualTo(ExitCodes.USAGE);

        // --config alone still reads the file (here: a missing one, a user error)
        CliRun.Result missing = cli.run("router", "--config", "missing.yaml");
        assertThat(missing.exitCode()).as(missing::toString).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(missing.err()).contains("missing.yaml");

        CliRun.Result neither = cli.run("router");
        assertThat(neither.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(neither.err()).contains("--config FILE, or --env ENV");
    }

    @Test
    void theServersStagesExcludeAConfigFileAndAStagesFile() {
        CliRun cli = new CliRun(tmp, tmp);
        CliRun.Result withConfig = cli.run("router", "--config", "router.yaml", "--server", "http://127.0.0.1:7420");
        assertThat(withConfig.exitCode()).as(withConfig::toString).isEqualTo(ExitCodes.USAGE);
        assertThat(withConfig.err()).contains("are exclusive");

        CliRun.Result withStages =
                cli.run("router", "--env", "production", "--stages", "s.json", "--server", "http://127.0.0.1:7420");
        assertThat(withStages.exitCode()).as(withStages::toString).isEqualTo(ExitCodes.USAGE);
        assertThat(withStages.err()).contains("--stages and --server are exclusive");

        // A default server does not stop a router from its file.
        CliRun.Result defaultServer = new CliRun(tmp, tmp)
                .env("SLIPWAY_SERVER", "http://127.0.0.1:7420")
                .run("router", "--config", "missing.yaml");
        assertThat(defaultServer.exitCode()).as(defaultServer::toString).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(defaultServer.err()).contains("missing.yaml");
    }

    @Test
    void anEnvironmentTheClustersFileDoesNotKnowIsAUserError() throws IOException {
        Path app = app();
        Files.writeString(tmp.resolve("clusters.yaml"), "groups:\n  staging:\n    clusters: [{name: s-1}]\n");
        CliRun.Result r = new CliRun(tmp, tmp)
                .run("router", "--env", "production", "--app", app.toString(), "--clusters", "clusters.yaml");
        assertThat(r.exitCode()).as(r::toString).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(r.err()).contains("cluster group 'production'");
    }

    @Test
    void aSiteNoClusterOfTheGroupIsAtIsAUserErrorListingTheSites() throws IOException {
        Path app = app();
        Files.writeString(tmp.resolve("clusters.yaml"), """
                groups:
                  production:
                    clusters:
                      - {name: east-1, site: east}
                      - {name: west-1, site: west}
                """);
        CliRun.Result r = new CliRun(tmp, tmp)
                .run(
                        "router",
                        "--env",
                        "production",
                        "--app",
                        app.toString(),
                        "--clusters",
                        "clusters.yaml",
                        "--site",
                        "eats");
        assertThat(r.exitCode()).as(r::toString).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(r.err())
                .contains("--site")
                .contains("no cluster of group 'production' is at site 'eats'")
                .contains("east, west");
    }

    @Test
    void fedByClustersTheRouterServesTheNodePortsOfTheAppsServices() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        backend.createContext("/", exchange -> {
            byte[] body = "east-stable".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        HttpServer canary = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        canary.createContext("/", exchange -> {
            byte[] body = "east-canary".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        canary.start();
        Path output = tmp.resolve("router.out");
        Process router = null;
        try (TestClusters clusters = TestClusters.start("east-1")) {
            TrackServices.put(
                    clusters.cluster("east-1"),
                    "shop",
                    "shop",
                    "production",
                    "web",
                    "stable",
                    backend.getAddress().getPort());
            TrackServices.put(
                    clusters.cluster("east-1"),
                    "shop",
                    "shop",
                    "production",
                    "web",
                    "canary",
                    canary.getAddress().getPort());
            Path clustersFile =
                    Files.writeString(tmp.resolve("clusters.yaml"), clusters.clustersFile("production", false));
            Path telemetry = Files.writeString(tmp.resolve("telemetry.yaml"), "accessLog: {path: access.log}\n");
            router = LocalFixtures.start(
                    Files.createDirectories(tmp.resolve("home")),
                    Files.createDirectories(tmp.resolve("state")),
                    output,
                    "router",
                    "--env",
                    "production",
                    "--app",
                    app().toString(),
                    "--clusters",
                    clustersFile.toString(),
                    "--kubeconfig",
                    clusters.kubeconfig().toString(),
                    "--listen",
                    "127.0.0.1:0",
                    "--admin",
                    "127.0.0.1:0",
                    "--drain-seconds",
                    "1",
                    "--telemetry",
                    telemetry.toString());
            Process running = router;
            Pattern listening =
                    Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+), admin on /127\\.0\\.0\\.1:(\\d+)");
            await().atMost(Duration.ofSeconds(60))
                    .failFast("slipway router exited", () -> !running.isAlive())
                    .until(() -> listening.matcher(LocalFixtures.text(output)).find());
            Matcher m = listening.matcher(LocalFixtures.text(output));
            assertThat(m.find()).isTrue();
            int port = Integer.parseInt(m.group(1));
            int adminPort = Integer.parseInt(m.group(2));
            assertThat(LocalFixtures.text(output)).contains("fed by cluster group production for shop production");

            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            LocalFixtures.get(port, "anything.example", "/").equals("east-stable"));
            assertThat(LocalFixtures.get(adminPort, "127.0.0.1:" + adminPort, "/healthz"))
                    .contains("\"status\" : \"ok\"")
                    .contains("\"east-1\" : \"ok\"");

            // The stages file `slipway rollout run` writes, at its default place in the state directory.
            StageFileTraffic.under(tmp.resolve("state"))
                    .setStage(new RolloutKey("shop", "production"), "east-1", Stage.full());
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            LocalFixtures.get(port, "anything.example", "/").equals("east-canary"));

            // Every request has its access log line, naming the cluster it went to.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(tmp.resolve("access.log"))
                            .content()
                            .contains("\"cluster\":\"east-1\"")
                            .contains("\"status\":200"));

            router.destroy();
            assertThat(router.waitFor(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            if (router != null) {
                router.destroyForcibly();
            }
            backend.stop(0);
            canary.stop(0);
        }
    }

    Path app() throws IOException {
        Path app = Files.createDirectories(tmp.resolve("shop"));
        Files.writeString(app.resolve("slipway.yaml"), """
                app: shop
                environments:
                  production: {group: production, namespace: shop}
                services:
                  - {name: web, image: acme/web:1, port: 8080, health: /healthz}
                """);
        return app;
    }
}
