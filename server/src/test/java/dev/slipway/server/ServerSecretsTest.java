package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.Deploy;
import dev.slipway.api.SlipwayClient;
import dev.slipway.core.spec.ServiceSpec;
import dev.slipway.secrets.SecretStore;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server renders with the secret store `slipway secret set` writes, so apps with secrets deploy through it. */
class ServerSecretsTest {

    @TempDir
    Path root;

    @Test
    void secretsSetByTheServersUserReachTheAppsDeployedSecret() throws Exception {
        Path home = root.resolve("home");
        Map<String, String> env =
                Map.of("SLIPWAY_SECRETS_DIR", root.resolve("secrets").toString());
        SecretStore.forUser(env, home).set("vault", "API_KEY", "s3cret-value");
        try (TestClusters clusters = TestClusters.start("east-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            Path app = root.resolve("vault");
            Files.createDirectories(app);
            Files.writeString(app.resolve("slipway.yaml"), """
                    app: vault
                    environments:
                      production: {group: production, namespace: vault}
                    services:
                      - name: web
                        image: vault/web:1
                        port: 8080
                        secrets: [API_KEY]
                    """);
            ServerConfig config = fixture.config("server-state");
            try (SlipwayServer server = SlipwayServer.start(
                    config,
                    fixture.clock,
                    dev.slipway.kube.KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                    ServerMain.secretStore(env, home))) {
                new ApiClient(server.url(), ServerFixture.adminToken(config))
                        .post("/api/apps", "{\"directory\": \"" + app + "\"}");
                SlipwayClient client = SlipwayClient.connect(
                        server.url(), config.stateDir().resolve(FirstAdminToken.FILE_NAME), Optional.empty());

                Deploy done = client.follow(
                        client.deploy("vault", "production", Optional.empty()).id(), line -> {});

                assertThat(done.state()).as(done.toString()).isEqualTo("succeeded");
                Secret secret = clusters.cluster("east-1")
                        .client()
                        .secrets()
                        .inNamespace("vault")
                        .withName(ServiceSpec.secretObjectName("web"))
                        .get();
                assertThat(new String(
                                Base64.getDecoder().decode(secret.getData().get("API_KEY")), StandardCharsets.UTF_8))
                        .isEqualTo("s3cret-value");
            }
        }
    }
}
