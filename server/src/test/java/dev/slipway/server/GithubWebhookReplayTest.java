package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.store.StoreConfig;
import dev.slipway.testkit.TestClusters;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A signed GitHub delivery counts once, and an older status never replaces a newer one: what an attacker replaying
 * captured payloads would try, on both databases the server runs on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GithubWebhookReplayTest {

    private static final String SECRET = "hook-secret";

    Path root;
    TestClusters clusters;
    ServerFixture fixture;

    @BeforeAll
    void start(@TempDir Path dir) {
        root = dir;
        clusters = TestClusters.start("east-1");
        fixture = new ServerFixture(root, clusters);
    }

    @AfterAll
    void stop() {
        clusters.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgresql"})
    void aReplayedOrOlderSuccessCannotTurnAFailedCommitGreen(String database) throws Exception {
        StoreConfig store = database.equals("h2")
                ? StoreConfig.h2File(root.resolve("store-" + database).resolve("store"))
                : PostgresSchemas.fresh();
        ServerConfig config = fixture.config("replay-" + database, store).withGithubWebhookSecret(SECRET);
        try (SlipwayServer server = fixture.start(config)) {
            ApiClient admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
            String sha = "4444444444444444444444444444444444444444";
            String success = status(sha, "success", 100, "2026-12-02T10:00:00Z");
            String failure = status(sha, "failure", 101, "2026-12-02T10:01:00Z");

            assertThat(deliver(admin, "d-1", success).status()).isEqualTo(201);
            assertThat(deliver(admin, "d-2", failure).status()).isEqualTo(201);
            ApiClient.Reply replayed = deliver(admin, "d-1", success);
            ApiClient.Reply resentUnderNewId = deliver(admin, "d-3", success);

            assertThat(replayed.status()).isEqualTo(409);
            assertThat(replayed.json().get("problems").get(0).get("what").asText())
                    .contains("delivery d-1 was already taken");
            assertThat(resentUnderNewId.status()).isEqualTo(409);
            assertThat(resentUnderNewId.json().get("detail").asText())
                    .contains("2026-12-02T10:00:00Z", "stored failure");
            assertThat(admin.get("/api/ci/statuses/" + sha).json().get("state").asText())
                    .isEqualTo("failure");
            assertThat(admin.audit("ci.refused")).hasSize(2);

            ApiClient.Reply traversal =
                    deliver(admin, "d-4", status("../../etc/passwd", "success", 102, "2026-12-02T10:02:00Z"));
            assertThat(traversal.status()).isEqualTo(400);
            assertThat(traversal.json().get("problems").get(0).get("where").asText())
                    .isEqualTo("sha");
            assertThat(admin.get("/api/ci/statuses/" + sha).json().get("statuses"))
                    .hasSize(1);

            ApiClient.Reply fixedLater = deliver(admin, "d-5", status(sha, "success", 103, "2026-12-02T10:03:00Z"));
            assertThat(fixedLater.status()).isEqualTo(201);
            assertThat(admin.get("/api/ci/statuses/" + sha).json().get("state").asText())
                    .isEqualTo("success");
        } finally {
            if (!database.equals("h2")) {
                PostgresSchemas.drop(store);
            }
        }
    }

    private static String status(String sha, String state, long id, String updatedAt) {
        return "{\"id\": " + id + ", \"sha\": \"" + sha + "\", \"state\": \"" + state + "\", \"context\": \"ci/test\","
                + " \"updated_at\": \"" + updatedAt + "\", \"repository\": {\"full_name\": \"acme/shop\"}}";
    }

    /** Delivers a signed status event; what the server answers must be an answer the OpenAPI document lists. */
    private static ApiClient.Reply deliver(ApiClient admin, String delivery, String payload) {
        ApiClient anonymous = admin.as(null);
        ApiClient.Reply reply = anonymous.send(anonymous
                .request("/api/ci/github")
                .header("X-GitHub-Event", "status")
                .header("X-GitHub-Delivery", delivery)
                .header(
                        "X-Hub-Signature-256",
                        "sha256=" + HexFormat.of().formatHex(GithubWebhooks.hmac(SECRET, payload.getBytes())))
                .POST(HttpRequest.BodyPublishers.ofString(payload)));
        OpenApiDocument doc = OpenApiDocument.served();
        assertThat(doc.statuses("POST", "/api/ci/github"))
                .as("documented answers of POST /api/ci/github")
                .contains(String.valueOf(reply.status()));
        assertThat(doc.json().at("/paths/~1api~1ci~1github/post/parameters").findValuesAsText("name"))
                .contains("X-GitHub-Delivery");
        doc.json()
                .at("/paths/~1api~1ci~1github/post/parameters")
                .forEach(p -> assertThat(p.get("required").asBoolean())
                        .as(p.get("name").asText() + " is required")
                        .isTrue());
        return reply;
    }
}
