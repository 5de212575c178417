package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testkit.TestClusters;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reaper retries a teardown a cluster refused, later, and records both attempts. */
class LabReaperTest {

    @TempDir
    Path root;

    @Test
    void aTeardownACLusterRefusesIsRecordedAndRetriedAfterABackoff() {
        try (TestClusters clusters = TestClusters.start("east-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            ServerConfig config = fixture.config("reaper");
            try (SlipwayServer server = fixture.start(config)) {
                ApiClient api = new ApiClient(server.url(), ServerFixture.adminToken(config));
                api.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\", \"labTtl\": \"2h\"}");
                api.post(
                        "/api/ci/statuses",
                        "{\"repo\": \"acme/shop\", \"sha\": \"" + ServerFixture.SHA_GREEN
                                + "\", \"context\": \"ci\", \"state\": \"success\"}");
                JsonNode up = api.post(
                                "/api/apps/shop/labs",
                                "{\"branch\": \"pr-1\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\"}")
                        .json();
                long deploy = up.get("deploy").get("id").asLong();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> api.get("/api/deploys/" + deploy)
                                .json()
                                .get("state")
                                .asText()
                                .equals("succeeded"));
                assertThat(up.get("lab").get("expiresIn").asText())
                        .as("the app's lab TTL")
                        .isEqualTo("2h");

                fixture.clock.add(Duration.ofHours(1));
                assertThat(server.sweepLabsNow()).isEqualTo(new SlipwayServer.SweepResult(0, 0));

                // Taken down by hand while the cluster refuses: a problem document, and the lab stays for the reaper.
                clusters.cluster("east-1").rejectCredentials(true);
                long labId = up.get("lab").get("id").asLong();
                ApiClient.Reply refused = api.delete("/api/labs/" + labId);
                assertThat(refused.status()).isEqualTo(502);
                assertThat(refused.contentType()).startsWith("application/problem+json");
                assertThat(refused.body()).contains("could not be taken down").contains("the reaper retries it");
                clusters.cluster("east-1").rejectCredentials(false);

                fixture.clock.add(Duration.ofHours(2));
                clusters.cluster("east-1").rejectCredentials(true);
                assertThat(server.sweepLabsNow()).isEqualTo(new SlipwayServer.SweepResult(0, 1));
                JsonNode failed = api.get("/api/audit?action=lab.delete-failed").json();
                assertThat(failed)
                        .as("the manual attempt and the reaper's, each audited")
                        .extracting(e -> e.get("actor").asText())
                        .containsExactly("reaper", "admin");
                assertThat(failed)
                        .allSatisfy(e -> assertThat(e.get("details").asText()).contains("east-1"));
                assertThat(api.get("/api/labs").json())
                        .singleElement()
                        .satisfies(l -> assertThat(l.get("lastError").asText()).contains("east-1"));

                clusters.cluster("east-1").rejectCredentials(false);
                assertThat(clusters.cluster("east-1")
                                .client()
                                .namespaces()
                                .withName("shop-lab-pr-1")
                                .get())
                        .isNotNull();
                assertThat(server.sweepLabsNow())
                        .as("not before the retry time")
                        .isEqualTo(new SlipwayServer.SweepResult(0, 0));
                fixture.clock.add(Duration.ofMinutes(2));
                assertThat(server.sweepLabsNow()).isEqualTo(new SlipwayServer.SweepResult(1, 0));
                assertThat(clusters.cluster("east-1")
                                .client()
                                .namespaces()
                                .withName("shop-lab-pr-1")
                                .get())
                        .isNull();
                assertThat(api.get("/api/audit?action=lab.delete").json())
                        .singleElement()
                        .satisfies(e -> assertThat(e.get("actor").asText()).isEqualTo("reaper"));
            }
        }
    }
}
