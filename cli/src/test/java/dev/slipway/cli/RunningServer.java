package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.core.render.SecretSource;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.server.ServerConfig;
import dev.slipway.server.SlipwayServer;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * A real Slipway server on 127.0.0.1 deploying to one simulated cluster (east-1), with the app {@code shop}
 * registered from {@code ROOT/shop}: what the CLI's --server tests talk to over real HTTP.
 */
final class RunningServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final Path root;
    final TestClusters clusters;
    final Path appDir;
    final SlipwayServer server;
    final Path adminToken;

    private RunningServer(Path root, TestClusters clusters, Path appDir, SlipwayServer server) {
        this.root = root;
        this.clusters = clusters;
        this.appDir = appDir;
        this.server = server;
        this.adminToken = server.adminTokenFile().orElseThrow();
    }

    /** Starts the cluster and the server, and registers {@code shop} with environments production, staging, qa, preview. */
    static RunningServer start(Path root) throws IOException {
        TestClusters clusters = TestClusters.start("east-1");
        try {
            Path appDir = root.resolve("shop");
            Files.createDirectories(appDir.resolve("kubernetes"));
            Files.writeString(appDir.resolve("slipway.yaml"), """
                    app: shop
                    manifests: kubernetes/
                    environments:
                      production: {group: production, namespace: shop}
                      staging: {group: production, namespace: shop-staging}
                      qa: {group: production, namespace: shop-qa}
                      preview: {group: production, namespace: shop-preview}
                    """);
            writeManifests(appDir, "hello", "ready");
            Path clustersFile = root.resolve("clusters.yaml");
            Files.writeString(clustersFile, clusters.clustersFile("production", false));
            ServerConfig config = ServerConfig.loopback(root.resolve("state"), clustersFile)
                    .withServerId("cli-test")
                    .withDeployTimeout(Duration.ofSeconds(20))
                    .withReaperInterval(Duration.ofHours(1));
            SlipwayServer server = SlipwayServer.start(
                    config,
                    Clock.systemUTC(),
                    KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                    SecretSource.REDACTED);
            RunningServer running = new RunningServer(root, clusters, appDir, server);
            running.api("POST", "/api/apps", "{\"directory\": \"" + appDir + "\"}");
            return running;
        } catch (IOException | RuntimeException e) {
            clusters.close();
            throw e;
        }
    }

    String url() {
        return server.url();
    }

    @Override
    public void close() {
        server.close();
        clusters.close();
    }

    /** Sends a request as the admin; the reply must be a success. */
    JsonNode api(String method, String path, String body) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(server.url() + path))
                                    .header(
                                            "Authorization",
                                            "Bearer "
                                                    + Files.readString(adminToken)
                                                            .strip())
                                    .header("Content-Type", "application/json")
                                    .method(method, HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isLessThan(300);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Issues a token of {@code scope} and returns its secret. */
    String issueToken(String name, String scope) {
        return api("POST", "/api/tokens", "{\"name\": \"" + name + "\", \"scope\": \"" + scope + "\"}")
                .get("secret")
                .asText();
    }

    /** Writes {@code secret} to {@code ROOT/name} with mode 0600. */
    Path tokenFile(String name, String secret) throws IOException {
        Path file = root.resolve(name);
        Files.writeString(file, secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** The greeting the app's ConfigMap holds in {@code namespace}, empty when there is none. */
    Optional<String> greeting(String namespace) {
        ConfigMap map = clusters.cluster("east-1")
                .client()
                .configMaps()
                .inNamespace(namespace)
                .withName("settings")
                .get();
        return Optional.ofNullable(map).map(m -> m.getData().get("greeting"));
    }

    void writeManifests(String greeting, String outcome) throws IOException {
        writeManifests(appDir, greeting, outcome);
    }

    /** The app's manifests; {@code outcome} is what the stand-in controller makes of the Deployment. */
    static void writeManifests(Path appDir, String greeting, String outcome) throws IOException {
        Files.writeString(appDir.resolve("kubernetes/app.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                data:
                  greeting: %s
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  replicas: 1
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                      annotations: {testkit.slipway.dev/outcome: %s}
                    spec:
                      containers:
                        - name: web
                          image: shop/web:1
                """.formatted(greeting, outcome));
    }
}
