package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.server.ServerConfig;
import dev.slipway.server.ServerFixture;
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
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * A real Slipway server on 127.0.0.1 deploying to one simulated cluster (east-1), with the app {@code shop}
 * registered from {@code ROOT/shop}: what the CLI's --server tests talk to over real HTTP. The app, clusters and
 * server come from the server's own {@link ServerFixture}.
 */
final class RunningServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final Path root;
    final TestClusters clusters;
    final Path appDir;
    final SlipwayServer server;
    final Path adminToken;
    private final ServerFixture fixture;
    private final HttpClient http;

    private RunningServer(ServerFixture fixture, SlipwayServer server, HttpClient http) {
        this.fixture = fixture;
        this.http = http;
        this.root = fixture.root;
        this.clusters = fixture.clusters;
        this.appDir = fixture.appDir;
        this.server = server;
        this.adminToken = server.adminTokenFile().orElseThrow();
    }

    /** Starts the cluster and the server, and registers {@code shop} with environments production, staging, qa, preview. */
    static RunningServer start(Path root) throws IOException {
        return start(root, Optional.empty(), HttpClient.newHttpClient());
    }

    /**
     * As {@link #start(Path)}, serving TLS on 127.0.0.1 with the operator's PKCS#12 {@code keystore}; the test's
     * own requests trust {@code trust}, the CLI's only what it is given.
     */
    static RunningServer startTls(Path root, ServerConfig.TlsKeystore keystore, SSLContext trust) throws IOException {
        return start(
                root,
                Optional.of(keystore),
                HttpClient.newBuilder().sslContext(trust).build());
    }

    private static RunningServer start(Path root, Optional<ServerConfig.TlsKeystore> tls, HttpClient http)
            throws IOException {
        TestClusters clusters = TestClusters.start("east-1");
        try {
            ServerFixture fixture =
                    new ServerFixture(root, clusters, List.of("production", "staging", "qa", "preview"));
            ServerConfig config =
                    fixture.config("state").withServerId("cli-test").withTls(tls);
            RunningServer running = new RunningServer(fixture, fixture.start(config, Clock.systemUTC()), http);
            running.api("POST", "/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");
            return running;
        } catch (RuntimeException e) {
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
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(server.url() + path))
                            .header(
                                    "Authorization",
                                    "Bearer " + Files.readString(adminToken).strip())
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
        fixture.writeManifests(greeting, outcome);
    }
}
