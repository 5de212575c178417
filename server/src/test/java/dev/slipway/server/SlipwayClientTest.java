package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.api.Deploy;
import dev.slipway.api.SlipwayClient;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.deploy.RollbackTo;
import dev.slipway.testkit.TestClusters;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client the CLI uses in --server mode, against a real server. */
class SlipwayClientTest {

    @TempDir
    Path root;

    private static String greeting(TestClusters clusters) {
        return clusters.cluster("east-1")
                .client()
                .configMaps()
                .inNamespace("shop")
                .withName("settings")
                .get()
                .getData()
                .get("greeting");
    }

    @Test
    void deploysAndRollbacksAreFollowedToTheEndAndRefusalsBecomeUserErrors() throws Exception {
        try (TestClusters clusters = TestClusters.start("east-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            ServerConfig config = fixture.config("client");
            try (SlipwayServer server = fixture.start(config)) {
                SlipwayClient client = SlipwayClient.connect(
                        server.url(), config.stateDir().resolve(FirstAdminToken.FILE_NAME), Optional.empty());
                new ApiClient(server.url(), ServerFixture.adminToken(config))
                        .post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");

                Deploy queued = client.deploy("shop", "production", Optional.of("v7"));
                List<String> lines = new CopyOnWriteArrayList<>();
                Deploy done = client.follow(queued.id(), lines::add);

                assertThat(done.state()).isEqualTo("succeeded");
                assertThat(done.clusters())
                        .singleElement()
                        .satisfies(c -> assertThat(c.revision()).contains(1));
                assertThat(lines).contains("east-1: deployed (revision 1)");
                assertThat(client.deploys("shop", "production", 10))
                        .extracting(Deploy::ref)
                        .containsExactly(Optional.of("v7"));
                java.nio.file.Files.writeString(
                        fixture.appDir.resolve("kubernetes/app.yaml"),
                        java.nio.file.Files.readString(fixture.appDir.resolve("kubernetes/app.yaml"))
                                .replace("greeting: hello", "greeting: bye"));
                assertThat(client.follow(
                                        client.deploy("shop", "production", Optional.of("v8"))
                                                .id(),
                                        l -> {})
                                .state())
                        .isEqualTo("succeeded");
                assertThat(greeting(clusters)).isEqualTo("bye");

                List<String> rollbackLog = new CopyOnWriteArrayList<>();
                Deploy rolledBack = client.follow(
                        client.rollback("shop", "production", Optional.empty()).id(), rollbackLog::add);

                assertThat(rolledBack.state()).as(rolledBack.toString()).isEqualTo("succeeded");
                assertThat(greeting(clusters)).isEqualTo("hello");
                var revisions = client.revisions("shop", "production").get(0).revisions();
                var latest = revisions.get(0);
                assertThat(latest.number()).isEqualTo(3);
                assertThat(latest.rollbackOf()).contains(1);
                String v7 = revisions.get(2).release().orElseThrow();
                String v8 = revisions.get(1).release().orElseThrow();
                assertThat(latest.release()).contains(v7);
                assertThat(rollbackLog)
                        .containsSubsequence(
                                "rolling back to release " + v7 + " on every cluster",
                                "east-1: revision 2 (release " + v8 + ", ref v8) → revision 1 (release " + v7
                                        + ", ref v7)",
                                "east-1: deployed (revision 3)",
                                "done: rolled back to release " + v7);

                Deploy forward = client.follow(
                        client.rollback("shop", "production", RollbackTo.release(v8.substring(0, 6)))
                                .id(),
                        l -> {});

                assertThat(forward.state()).as(forward.toString()).isEqualTo("succeeded");
                assertThat(forward.ref()).contains(v8.substring(0, 6));
                assertThat(greeting(clusters)).isEqualTo("bye");
                assertThatThrownBy(() -> client.rollback("shop", "production", RollbackTo.release("zz")))
                        .isInstanceOf(InvalidInputException.class)
                        .hasMessageContaining("'release' must be a release id");
                assertThatThrownBy(() -> client.labUp("shop", "feature/x", ServerFixture.SHA_RED, Optional.empty()))
                        .isInstanceOf(InvalidInputException.class)
                        .hasMessageContaining("CI status is pending");
                assertThatThrownBy(() -> client.deploy("nope", "production", Optional.empty()))
                        .isInstanceOf(InvalidInputException.class)
                        .hasMessageContaining("no app 'nope'");
            }
        }
    }
}
