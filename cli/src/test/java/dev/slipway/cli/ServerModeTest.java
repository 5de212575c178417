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
import java.net.ServerSocket;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy / status / history / rollback with --server: the real CLI in-process against a real server on
 * 127.0.0.1 that deploys to a simulated cluster. Each test uses its own environment of the one registered app.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerModeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path tmp;

    private TestClusters clusters;
    private SlipwayServer server;
    private Path appDir;
    private Path adminToken;
    private CliRun cli;

    @BeforeAll
    void startServer(@TempDir Path dir) throws Exception {
        tmp = dir;
        clusters = TestClusters.start("east-1");
        appDir = tmp.resolve("shop");
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
        writeManifests("hello", "ready");
        Path clustersFile = tmp.resolve("clusters.yaml");
        Files.writeString(clustersFile, clusters.clustersFile("production", false));
        ServerConfig config = ServerConfig.loopback(tmp.resolve("state"), clustersFile)
                .withServerId("cli-test")
                .withDeployTimeout(Duration.ofSeconds(20))
                .withReaperInterval(Duration.ofHours(1));
        server = SlipwayServer.start(
                config,
                Clock.systemUTC(),
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                SecretSource.REDACTED);
        adminToken = server.adminTokenFile().orElseThrow();
        api("POST", "/api/apps", "{\"directory\": \"" + appDir + "\"}");
        cli = new CliRun(tmp.resolve("home"), tmp).env("USER", "alice");
    }

    @AfterAll
    void stopServer() {
        server.close();
        clusters.close();
    }

    @Test
    void deployThroughTheServerFollowsItsProgressAndAppliesTheApp() {
        var result = cli.run(
                "deploy",
                appDir.toString(),
                "--env",
                "production",
                "--ref",
                "v1",
                "--server",
                server.url(),
                "--token-file",
                adminToken.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out())
                .contains("Deploying shop to production through " + server.url())
                .contains("east-1: deployed (revision 1)")
                .contains("Deployed shop in production");
        assertThat(greeting("shop")).isEqualTo("hello");
    }

    @Test
    void statusHistoryAndRollbackGoThroughTheServerNamedByTheEnvironment() throws IOException {
        CliRun viaEnv = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_SERVER", server.url())
                .env("SLIPWAY_TOKEN_FILE", adminToken.toString());
        assertThat(viaEnv.run("deploy", appDir.toString(), "--env", "staging", "--ref", "v1")
                        .exitCode())
                .isZero();
        writeManifests("bye", "ready");
        try {
            assertThat(viaEnv.run("deploy", appDir.toString(), "--env", "staging", "--ref", "v2")
                            .exitCode())
                    .isZero();
        } finally {
            writeManifests("hello", "ready");
        }
        assertThat(greeting("shop-staging")).isEqualTo("bye");

        var status = viaEnv.run("status", "shop", "--env", "staging");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out())
                .contains("shop in staging (through " + server.url() + ")")
                .containsPattern("latest deploy: #\\d+ deploy succeeded, ref v2")
                .containsPattern("east-1: revision 2 \\(succeeded, .*, ref v2\\)");

        var rollback = viaEnv.run("rollback", "shop", "--env", "staging", "--to", "1");
        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        assertThat(rollback.out()).contains("Rolled back shop in staging");
        assertThat(greeting("shop-staging")).isEqualTo("hello");

        var history = viaEnv.run("history", "shop", "--env", "staging", "--output", "json");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        JsonNode revisions = JSON.readTree(history.out()).get("clusters").get(0).get("revisions");
        assertThat(revisions).extracting(r -> r.get("number").asInt()).containsExactly(3, 2, 1);
        assertThat(revisions.get(0).get("rollbackOf").asInt()).isEqualTo(1);
        assertThat(viaEnv.run("history", "shop", "--env", "staging").out())
                .containsPattern("3  \\S+  succeeded  .*\\(rollback of 1\\)");
    }

    @Test
    void aFailedRolloutThroughTheServerExitsOneNamingTheCluster() throws IOException {
        writeManifests("hello", "fail");
        try {
            var result = cli.run(
                    "deploy",
                    appDir.toString(),
                    "--env",
                    "qa",
                    "--server",
                    server.url(),
                    "--token-file",
                    adminToken.toString());

            assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
            assertThat(result.err())
                    .contains("deploy #")
                    .contains("of shop to qa failed")
                    .contains(
                            "east-1: cluster east-1, Deployment.apps/web (namespace shop-qa): did not become healthy");
            var status = cli.run(
                    "status", "shop", "--env", "qa", "--server", server.url(), "--token-file", adminToken.toString());
            assertThat(status.exitCode()).as(status.toString()).isEqualTo(1);
            assertThat(status.out()).containsPattern("latest deploy: #\\d+ deploy failed");
        } finally {
            writeManifests("hello", "ready");
        }
    }

    @Test
    void aMissingTokenFileIsAClearErrorBeforeAnyRequest() {
        var result = cli.run("status", "shop", "--env", "production", "--server", server.url());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .contains("no token file at this path")
                .contains(tmp.resolve("home/.config/slipway/token").toString());
    }

    @Test
    void anUnknownTokenIsRefusedAndNothingIsDeployed() throws IOException {
        Path wrong = token("wrong-token", "not-a-token-the-server-issued");

        var result = cli.run(
                "deploy",
                appDir.toString(),
                "--env",
                "preview",
                "--server",
                server.url(),
                "--token-file",
                "wrong-token");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err())
                .startsWith("error: ")
                .doesNotContain("not-a-token")
                .doesNotContain("Exception");
        assertThat(result.err().toLowerCase()).containsAnyOf("token", "unauthorized");
        assertThat(clusters.cluster("east-1")
                        .client()
                        .configMaps()
                        .inNamespace("shop-preview")
                        .withName("settings")
                        .get())
                .isNull();
        assertThat(wrong).exists();
    }

    @Test
    void aReadOnlyTokenMayReadButNotDeploy() throws Exception {
        JsonNode issued = api("POST", "/api/tokens", "{\"name\": \"viewer\", \"scope\": \"read\"}");
        token("viewer-token", issued.get("secret").asText());

        var deploy = cli.run(
                "deploy",
                appDir.toString(),
                "--env",
                "preview",
                "--server",
                server.url(),
                "--token-file",
                "viewer-token");
        var history = cli.run(
                "history", "shop", "--env", "preview", "--server", server.url(), "--token-file", "viewer-token");

        assertThat(deploy.exitCode()).as(deploy.toString()).isEqualTo(1);
        assertThat(deploy.err()).startsWith("error: ").contains("deploy");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.out()).contains("never deployed");
    }

    @Test
    void aTokenFileOthersCanReadIsRefused() throws IOException {
        Path shared = token("shared-token", "whatever");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));

        var result = cli.run(
                "history", "shop", "--env", "production", "--server", server.url(), "--token-file", "shared-token");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("readable by other users").contains("chmod 600");
    }

    @Test
    void anUnreachableServerIsAClearErrorNotATrace() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        var result = cli.run(
                "status",
                "shop",
                "--env",
                "production",
                "--server",
                "http://127.0.0.1:" + closedPort,
                "--token-file",
                adminToken.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .startsWith("error: http://127.0.0.1:" + closedPort)
                .contains("cannot reach the Slipway server: connection refused")
                .doesNotContain("\tat ");
    }

    @Test
    void plainHttpToAnotherHostIsRefusedSoTheTokenNeverCrossesTheNetworkInClear() {
        var result = cli.run(
                "status",
                "shop",
                "--env",
                "production",
                "--server",
                "http://slipway.example:7420",
                "--token-file",
                adminToken.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("plain http").contains("https://");
    }

    @Test
    void clusterSideDeployOptionsAreAUsageErrorWithServer() {
        var result = cli.run(
                "deploy",
                appDir.toString(),
                "--env",
                "production",
                "--force-conflicts",
                "--server",
                server.url(),
                "--token-file",
                adminToken.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--force-conflicts cannot be used with --server");
    }

    @Test
    void serverHelpListsEveryOptionOfTheServer() {
        var result = cli.run("server", "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .contains(
                        "--host",
                        "--port",
                        "--state-dir",
                        "--db ",
                        "--db-credentials-file",
                        "--clusters",
                        "--kubeconfig",
                        "--server-id",
                        "--tls-keystore",
                        "--tls-password-file",
                        "--github-webhook-secret-file",
                        "--lab-ttl",
                        "--deploy-timeout",
                        "--reaper-interval",
                        "--router-port",
                        "--lab-url-template");
    }

    @Test
    void serverWithAnInvalidPortExitsOneBeforeStarting() {
        var result = cli.run("server", "--port", "http", "--state-dir", "server-state", "--clusters", "clusters.yaml");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("--port").contains("'http' is not a port");
        assertThat(tmp.resolve("server-state/admin-token")).doesNotExist();
    }

    private String greeting(String namespace) {
        ConfigMap map = clusters.cluster("east-1")
                .client()
                .configMaps()
                .inNamespace(namespace)
                .withName("settings")
                .get();
        return map.getData().get("greeting");
    }

    private Path token(String name, String secret) throws IOException {
        Path file = tmp.resolve(name);
        Files.writeString(file, secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private JsonNode api(String method, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
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
    }

    private void writeManifests(String greeting, String outcome) throws IOException {
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
