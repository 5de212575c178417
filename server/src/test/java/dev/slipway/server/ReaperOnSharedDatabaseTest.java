package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.store.StoreConfig;
import dev.slipway.testkit.TestClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two servers on one PostgreSQL database sweep at the same moment: every expired lab is torn down exactly once. */
class ReaperOnSharedDatabaseTest {

    @TempDir
    Path root;

    @Test
    void twoServersReapEachExpiredLabExactlyOnce() throws Exception {
        StoreConfig database = PostgresSchemas.fresh();
        try (TestClusters clusters = TestClusters.start("east-1", "west-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            ServerConfig configA = fixture.config("server-a", database);
            try (SlipwayServer a = fixture.start(configA);
                    SlipwayServer b = fixture.start(fixture.config("server-b", database))) {
                ApiClient api = new ApiClient(a.url(), ServerFixture.adminToken(configA));
                api.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");
                api.post(
                        "/api/ci/statuses",
                        "{\"repo\": \"acme/shop\", \"sha\": \"" + ServerFixture.SHA_GREEN
                                + "\", \"context\": \"ci\", \"state\": \"success\"}");
                List<String> namespaces = new ArrayList<>();
                List<Long> deploys = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    JsonNode up = api.post(
                                    "/api/apps/shop/labs",
                                    "{\"branch\": \"pr-" + i + "\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\"}")
                            .json();
                    namespaces.add(up.get("lab").get("namespace").asText());
                    deploys.add(up.get("deploy").get("id").asLong());
                }
                for (long id : deploys) {
                    await().atMost(Duration.ofSeconds(90))
                            .until(() -> api.get("/api/deploys/" + id)
                                    .json()
                                    .get("state")
                                    .asText()
                                    .equals("succeeded"));
                }
                fixture.clock.add(Duration.ofHours(25));

                CountDownLatch go = new CountDownLatch(1);
                CompletableFuture<SlipwayServer.SweepResult> sweepA =
                        CompletableFuture.supplyAsync(() -> sweepAfter(go, a));
                CompletableFuture<SlipwayServer.SweepResult> sweepB =
                        CompletableFuture.supplyAsync(() -> sweepAfter(go, b));
                go.countDown();
                SlipwayServer.SweepResult resultA = sweepA.get(120, TimeUnit.SECONDS);
                SlipwayServer.SweepResult resultB = sweepB.get(120, TimeUnit.SECONDS);

                assertThat(resultA.deleted() + resultB.deleted()).isEqualTo(4);
                assertThat(resultA.failed() + resultB.failed()).isZero();
                JsonNode deletions = api.get("/api/audit?action=lab.delete").json();
                assertThat(deletions).hasSize(4);
                assertThat(deletions).extracting(e -> e.get("target").asText()).doesNotHaveDuplicates();
                assertThat(deletions)
                        .allSatisfy(e -> assertThat(e.get("source").asText()).isEqualTo("reaper"));
                for (String cluster : List.of("east-1", "west-1")) {
                    for (String namespace : namespaces) {
                        var client = clusters.cluster(cluster).client();
                        assertThat(client.namespaces().withName(namespace).get())
                                .isNull();
                        assertThat(client.configMaps()
                                        .inNamespace(namespace)
                                        .list()
                                        .getItems())
                                .isEmpty();
                        assertThat(client.apps()
                                        .deployments()
                                        .inNamespace(namespace)
                                        .list()
                                        .getItems())
                                .isEmpty();
                    }
                }
                assertThat(api.get("/api/labs").json()).isEmpty();
                assertThat(a.sweepLabsNow().deleted() + b.sweepLabsNow().deleted())
                        .as("nothing is reaped twice")
                        .isZero();
            }
        } finally {
            PostgresSchemas.drop(database);
        }
    }

    private static SlipwayServer.SweepResult sweepAfter(CountDownLatch go, SlipwayServer server) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return server.sweepLabsNow();
    }
}
