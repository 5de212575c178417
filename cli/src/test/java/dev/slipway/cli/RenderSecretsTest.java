package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** render never shows a secret's name or value: the keys of a Secret's data are the names, so only a count shows. */
class RenderSecretsTest {
    private static final String CLUSTERS =
            ExamplesTest.REPO.resolve("examples/clusters.yaml").toString();

    @TempDir
    Path tmp;

    private Path app;

    @BeforeEach
    void writeApp() throws IOException {
        app = tmp.resolve("shop");
        Files.createDirectories(app.resolve("kubernetes"));
        Files.writeString(app.resolve("slipway.yaml"), """
                app: shop
                manifests: kubernetes/
                environments:
                  production: {group: production, namespace: shop}
                services:
                  - name: api
                    image: ghcr.io/acme/shop:1.0
                    port: 8080
                    health: /healthz
                    secrets: [STRIPE_KEY, DATABASE_PASSWORD]
                """);
        // A Secret written by hand in the app's manifests is shown the same way.
        Files.writeString(app.resolve("kubernetes/legacy.yaml"), """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: legacy-credentials
                stringData:
                  LEGACY_TOKEN: hunter2
                """);
    }

    @Test
    void renderShowsHowManySecretValuesEachSecretHoldsButNoNameOrValue() {
        var result = new CliRun(tmp.resolve("home"), tmp)
                .run("render", app.toString(), "--env", "production", "--cluster", "east-1", "--clusters", CLUSTERS);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out())
                .contains("kind: Secret")
                .contains("data: (2 secret values; names and values not shown)")
                .contains("stringData: (1 secret value; names and values not shown)")
                .contains("name: api-secrets")
                .doesNotContain("STRIPE_KEY", "DATABASE_PASSWORD", "LEGACY_TOKEN", "hunter2", "(secret)");
        assertThat(result.out()).contains("kind: Deployment").contains("secretRef");
    }

    @Test
    void renderJsonKeepsTheCountAndNoNames() throws IOException {
        var result = new CliRun(tmp.resolve("home"), tmp)
                .run("render", app.toString(), "--env", "production", "--clusters", CLUSTERS, "-o", "json");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).doesNotContain("STRIPE_KEY", "DATABASE_PASSWORD", "LEGACY_TOKEN", "hunter2");
        JsonNode objects = new ObjectMapper().readTree(result.out()).at("/clusters/0/objects");
        JsonNode secret = null;
        for (JsonNode o : objects) {
            if (o.path("metadata").path("name").asText().equals("api-secrets")) {
                secret = o;
            }
        }
        assertThat(secret).isNotNull();
        assertThat(secret.path("data").asText()).isEqualTo("(2 secret values; names and values not shown)");
    }
}
