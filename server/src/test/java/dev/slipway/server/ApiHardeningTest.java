package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testkit.TestClusters;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Requests an attacker or a careless client would send, over real HTTP: each refused early and clearly. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiHardeningTest {

    Path root;
    TestClusters clusters;
    ServerFixture fixture;
    ServerConfig config;
    SlipwayServer server;
    ApiClient admin;

    @BeforeAll
    void start(@TempDir Path dir) {
        root = dir;
        clusters = TestClusters.start("east-1");
        fixture = new ServerFixture(root, clusters);
        config = fixture.config("server-h");
        server = fixture.start(config);
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        ApiClient.Reply registered = admin.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
    }

    @AfterAll
    void stop() {
        server.close();
        clusters.close();
    }

    @Test
    void theLogStreamRefusesAMissingOrWrongTokenBeforeItStarts() {
        long id = admin.post("/api/apps/shop/environments/production/deploys", "{}")
                .json()
                .get("id")
                .asLong();

        ApiClient.Reply anonymous = admin.as(null)
                .send(admin.as(null)
                        .request("/api/deploys/" + id + "/log")
                        .header("Accept", "text/event-stream")
                        .GET());
        ApiClient.Reply wrongToken = admin.as("slw_nope")
                .send(admin.as("slw_nope")
                        .request("/api/deploys/" + id + "/log")
                        .header("Accept", "text/event-stream")
                        .GET());
        ApiClient.Reply unknownDeploy = admin.send(admin.request("/api/deploys/999999/log")
                .header("Accept", "text/event-stream")
                .GET());

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.contentType()).startsWith("application/problem+json");
        assertThat(anonymous.body()).doesNotContain("event:");
        assertThat(wrongToken.status()).isEqualTo(401);
        assertThat(wrongToken.json().get("detail").asText()).contains("unknown or revoked");
        assertThat(unknownDeploy.status()).isEqualTo(404);
        assertThat(unknownDeploy.contentType()).startsWith("application/problem+json");
        admin.awaitDeploy(id);
        ApiClient.Reply stream = admin.send(admin.request("/api/deploys/" + id + "/log")
                .header("Accept", "text/event-stream")
                .GET());
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.body()).contains("event: end");
    }
}
