package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.render.SecretSource;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.router.Router;
import dev.slipway.router.RouterConfig;
import dev.slipway.testkit.TestClusters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's routers page over real HTTP: a real router the server lists in its {@code routers:}, with one
 * endpoint that answers nothing, and one router that is not running at all.
 */
class ConsoleRoutersTest {
    @TempDir
    Path root;

    TestClusters clusters;
    SlipwayServer server;
    Router router;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (router != null) {
            router.close();
        }
        if (clusters != null) {
            clusters.close();
        }
    }

    @Test
    void theRoutersPageShowsEachRoutersRoutesBackendsAndEndpointHealthAndWhichCannotBeRead() throws Exception {
        RouterConfig.Backend web = new RouterConfig.Backend(
                "web",
                List.of(new RouterConfig.Cluster("east-1", 1, List.of(new RouterConfig.Address("127.0.0.1", 1)))),
                0.5,
                Optional.of(
                        new RouterConfig.HealthCheck("/healthz", Duration.ofMillis(100), Duration.ofMillis(100), 1, 1)),
                RouterConfig.OutlierDetection.defaults());
        router = Router.start(RouterConfig.of(
                new RouterConfig.Address("127.0.0.1", 0),
                List.of(web),
                List.of(new RouterConfig.Route(
                        "shop",
                        Optional.empty(),
                        "/",
                        "web",
                        Duration.ofSeconds(3),
                        RouterConfig.DEFAULT_CONNECT_TIMEOUT,
                        Optional.empty()))));
        URI admin = URI.create("http://127.0.0.1:" + router.adminAddress().getPort());
        URI gone = URI.create("http://127.0.0.1:1");
        clusters = TestClusters.start("east-1");
        ServerFixture fixture = new ServerFixture(root, clusters);
        // An app with a service the routers route to (backend web), so they can say how its clusters are.
        java.nio.file.Files.writeString(fixture.appDir.resolve("slipway.yaml"), """
                app: shop
                environments:
                  production: {group: production, namespace: shop}
                services:
                  - {name: web, image: "shop/web:1", port: 8080}
                """);
        ServerConfig config = fixture.config("routers")
                .withRouters(List.of(
                        new ServerConfig.RouterAdmin(admin, Optional.empty()),
                        new ServerConfig.RouterAdmin(gone, Optional.empty())));
        server = SlipwayServer.start(
                config,
                fixture.clock,
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                SecretSource.REDACTED,
                engine -> new RecordingTracks());

        HttpClient http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        HttpResponse<String> login = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("token=" + ServerFixture.adminToken(config)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile(Console.COOKIE + "=([^;]+)")
                .matcher(login.headers().firstValue("Set-Cookie").orElseThrow());
        assertThat(m.find()).isTrue();
        HttpRequest page = HttpRequest.newBuilder(URI.create(server.url() + "/routers"))
                .header("Cookie", Console.COOKIE + "=" + m.group(1))
                .build();
        // The endpoint answers no health check: the router marks it, and its cluster, down.
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(
                        () -> http.send(page, HttpResponse.BodyHandlers.ofString())
                                .body(),
                        body -> body.contains("<span class=\"cluster bad\">east-1</span>"));
        String body = http.send(page, HttpResponse.BodyHandlers.ofString()).body();
        assertThat(body)
                .contains("<h2>" + admin + "</h2>")
                .contains("<td>shop</td>")
                .contains("<td>3s</td>")
                .contains("title=\"health check down\">127.0.0.1:1</span>")
                .contains("<h2>" + gone + "</h2>")
                .contains("not read:");

        // The environment's group picture colours east-1 by what the routers see now, and says why.
        ApiClient api = new ApiClient(server.url(), ServerFixture.adminToken(config));
        ApiClient.Reply registered = api.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        String env = http.send(
                        HttpRequest.newBuilder(URI.create(server.url() + "/apps/shop/environments/production"))
                                .header("Cookie", Console.COOKIE + "=" + m.group(1))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(env)
                .contains("class=\"cell bad\" data-cluster=\"east-1\" data-health=\"down\"")
                .contains("<span class=\"state bad\">down</span>")
                .contains("no healthy endpoint of web on " + admin)
                .as("the router that cannot be read says nothing either way")
                .doesNotContain("web on " + gone);
    }
}
