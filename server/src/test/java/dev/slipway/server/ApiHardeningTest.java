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

    @Test
    void overLongOrHugeInputIsRefusedWithABoundNeverA500() {
        String longName = "n".repeat(5000);
        admin.post(
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \"" + ServerFixture.SHA_GREEN
                        + "\", \"context\": \"ci/build\", \"state\": \"success\"}");
        long lab = admin.post(
                        "/api/apps/shop/labs",
                        "{\"branch\": \"fix/bounds\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\"}")
                .json()
                .get("lab")
                .get("id")
                .asLong();

        ApiClient.Reply tokenName = admin.post("/api/tokens", "{\"name\": \"" + longName + "\", \"scope\": \"read\"}");
        ApiClient.Reply repo = admin.post(
                "/api/ci/statuses",
                "{\"repo\": \"" + longName + "\", \"sha\": \"" + ServerFixture.SHA_GREEN + "\", \"context\": \""
                        + longName + "\", \"state\": \"success\"}");
        ApiClient.Reply overflow = admin.post(
                "/api/apps/shop/labs",
                "{\"branch\": \"fix/ttl\", \"ref\": \"" + ServerFixture.SHA_GREEN
                        + "\", \"ttl\": \"999999999999999h\"}");
        ApiClient.Reply yearsAhead = admin.post(
                "/api/apps/shop/labs",
                "{\"branch\": \"fix/ttl\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\", \"ttl\": \"999999999h\"}");
        String expiresBefore =
                admin.get("/api/labs/" + lab).json().get("expiresAt").asText();
        ApiClient.Reply hugeExtend = admin.post("/api/labs/" + lab + "/extend", "{\"by\": \"999999999999h\"}");
        ApiClient.Reply pastTheLimit = admin.post("/api/labs/" + lab + "/extend", "{\"by\": \"30d\"}");

        assertThat(tokenName.status()).isEqualTo(400);
        assertThat(tokenName.json().get("detail").asText()).contains("5000 characters", "at most 200");
        assertThat(repo.status()).isEqualTo(400);
        assertThat(overflow.status()).isEqualTo(422);
        assertThat(overflow.json().get("detail").asText()).contains("1s to 720h");
        assertThat(yearsAhead.status()).isEqualTo(422);
        assertThat(hugeExtend.status()).isEqualTo(422);
        assertThat(pastTheLimit.status()).isEqualTo(422);
        assertThat(pastTheLimit.json().get("detail").asText()).contains("limit of 720h");
        assertThat(admin.get("/api/labs/" + lab).json().get("expiresAt").asText())
                .isEqualTo(expiresBefore);
        assertThat(admin.audit("lab.extend")).isEmpty();
        for (ApiClient.Reply reply : java.util.List.of(tokenName, repo, overflow, yearsAhead, hugeExtend)) {
            assertThat(reply.contentType()).startsWith("application/problem+json");
            assertThat(reply.body())
                    .doesNotContain("nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", "Exception");
        }
    }

    @Test
    void unknownFieldsOutOfRangeLimitsWrongMethodsBadLinksAndBadDirectoriesAreRefused() throws Exception {
        ApiClient.Reply typo = admin.post(
                "/api/apps/shop/labs",
                "{\"branch\": \"fix/x\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\", \"tll\": \"2h\"}");
        ApiClient.Reply negative = admin.get("/api/deploys?limit=-1");
        ApiClient.Reply huge = admin.get("/api/audit?limit=1000000000");
        ApiClient.Reply put = admin.send(admin.request("/api/apps")
                .header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
        ApiClient.Reply script = admin.post(
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \""
                        + ServerFixture.SHA_RED + "\", \"context\": \"ci/x\", \"state\": \"success\","
                        + " \"targetUrl\": \"javascript:alert(1)\"}");
        ApiClient.Reply etc = admin.post("/api/apps", "{\"directory\": \"/etc\"}");
        Path decoy = java.nio.file.Files.createDirectories(root.resolve("decoy"));
        java.nio.file.Files.writeString(decoy.resolve("secret-name.yaml"), "kind: ConfigMap\n");
        ApiClient.Reply nul = admin.post("/api/apps", "{\"directory\": \"" + decoy + "\\u0000x\"}");
        ApiClient.Reply relative = admin.post("/api/apps", "{\"directory\": \"shop\"}");

        assertThat(typo.status()).isEqualTo(400);
        assertThat(typo.json().get("detail").asText()).contains("'tll' is not a field");
        assertThat(typo.json().get("problems").get(0).get("fix").asText()).contains("branch, ref, ttl");
        assertThat(negative.status()).isEqualTo(400);
        assertThat(huge.status()).isEqualTo(400);
        assertThat(huge.json().get("detail").asText()).contains("1 to 10000");
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.body()).contains("GET, POST");
        assertThat(script.status()).isEqualTo(400);
        assertThat(admin.get("/api/ci/statuses/" + ServerFixture.SHA_RED).json().get("statuses"))
                .isEmpty();
        assertThat(etc.status()).isEqualTo(400);
        assertThat(etc.body()).contains("not a directory holding slipway.yaml").doesNotContain("passwd", "hosts");
        assertThat(nul.status()).isEqualTo(400);
        assertThat(nul.body()).doesNotContain("secret-name");
        assertThat(relative.status()).isEqualTo(400);
        assertThat(relative.body()).contains("not an absolute path");
        assertThat(admin.get("/api/apps").json()).hasSize(1);
    }
}
