package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.server.RolloutTestServer;
import dev.slipway.testkit.TestClusters;
import dev.slipway.testkit.TrackServices;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway router --env production --server URL}: a real router process fed by a simulated cluster whose
 * stable and canary NodePorts lead to two small HTTP servers on 127.0.0.1, taking its stages from a real server's
 * rollout through the long poll; it follows a stage change made on the server, and keeps its last stage (saying so
 * in /healthz) when the server stops.
 */
class RouterFromServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    final List<AutoCloseable> owned = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
    }

    HttpServer answering(String body) throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        http.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        http.start();
        owned.add(() -> http.stop(0));
        return http;
    }

    @Test
    void theRouterFollowsTheServersStagesAndKeepsTheLastOnesWhenTheServerStops() throws Exception {
        HttpServer stable = answering("east-stable");
        HttpServer canary = answering("east-canary");
        TestClusters clusters = TestClusters.start("east-1");
        owned.add(clusters::close);
        TrackServices.put(
                clusters.cluster("east-1"),
                "shop",
                "shop",
                "production",
                "web",
                "stable",
                stable.getAddress().getPort());
        TrackServices.put(
                clusters.cluster("east-1"),
                "shop",
                "shop",
                "production",
                "web",
                "canary",
                canary.getAddress().getPort());
        RolloutTestServer server = RolloutTestServer.start(tmp.resolve("server"), clusters);
        owned.add(server::close);
        Path token = Files.writeString(tmp.resolve("router.token"), issueReadToken(server) + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        Path app = Files.createDirectories(tmp.resolve("shop"));
        Files.writeString(app.resolve("slipway.yaml"), """
                app: shop
                environments:
                  production: {group: production, namespace: shop}
                services:
                  - {name: web, image: acme/web:1, port: 8080, health: /healthz}
                """);
        Path clustersFile = Files.writeString(tmp.resolve("clusters.yaml"), clusters.clustersFile("production", false));
        Path output = tmp.resolve("router.out");
        Process router = LocalFixtures.start(
                Files.createDirectories(tmp.resolve("home")),
                Files.createDirectories(tmp.resolve("state")),
                output,
                "router",
                "--env",
                "production",
                "--app",
                app.toString(),
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
                "--server",
                server.url(),
                "--token-file",
                token.toString());
        owned.add(() -> {
            router.destroy();
            if (!router.waitFor(20, TimeUnit.SECONDS)) {
                router.destroyForcibly();
            }
        });
        Pattern listening = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+), admin on /127\\.0\\.0\\.1:(\\d+)");
        await().atMost(Duration.ofSeconds(60))
                .failFast("slipway router exited", () -> !router.isAlive())
                .until(() -> listening.matcher(LocalFixtures.text(output)).find());
        Matcher m = listening.matcher(LocalFixtures.text(output));
        assertThat(m.find()).isTrue();
        int port = Integer.parseInt(m.group(1));
        int adminPort = Integer.parseInt(m.group(2));
        assertThat(LocalFixtures.text(output))
                .contains("stages from the server " + server.url())
                .doesNotContain(Files.readString(token).strip());

        // No rollout yet: everything on stable, and the server's answer makes the stages source fresh.
        await().atMost(Duration.ofSeconds(10)).until(() -> get(port).equals("east-stable"));
        await().atMost(Duration.ofSeconds(10)).until(() -> healthz(adminPort).contains("\"(stages)\" : \"ok\""));

        // The server starts a rollout: east-1 at rps 100, so the router's few requests all reach the canary.
        server.startRollout("r7", List.of("east-1"), "alice");
        await().atMost(Duration.ofSeconds(10)).until(() -> get(port).equals("east-canary"));

        // Aborted on the server: back to stable.
        server.admin().abortRollout("shop", "production", Optional.of("checkout errors"));
        await().atMost(Duration.ofSeconds(10)).until(() -> get(port).equals("east-stable"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.admin().rollout("shop", "production").settled());

        // Started again: the canary gets its traffic back.
        server.admin().retryRollout("shop", "production", Optional.empty());
        await().atMost(Duration.ofSeconds(10)).until(() -> get(port).equals("east-canary"));

        // The server stops: the router keeps serving the last stages it had, and says the source is stale.
        server.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> healthz(adminPort).contains("\"(stages)\" : \"stale since"));
        assertThat(healthz(adminPort)).contains("degraded");
        assertThat(get(port)).isEqualTo("east-canary");
        assertThat(router.isAlive()).isTrue();
    }

    private static String get(int port) {
        return LocalFixtures.get(port, "anything.example", "/");
    }

    private static String healthz(int adminPort) {
        return LocalFixtures.get(adminPort, "127.0.0.1:" + adminPort, "/healthz");
    }

    private static String issueReadToken(RolloutTestServer server) throws Exception {
        HttpResponse<String> reply = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.url() + "/api/tokens"))
                                .header("Authorization", "Bearer " + server.adminToken())
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"name\": \"router\", \"scope\": \"read\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(reply.statusCode()).as(reply.body()).isLessThan(300);
        return JSON.readTree(reply.body()).get("secret").asText();
    }
}
