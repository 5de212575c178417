package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The server deploys the commit a deploy names, not whatever its registered directory holds on disk. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommitDeployTest {

    Path root;
    TestClusters clusters;
    GitRepo repo;
    String first;
    String second;
    SlipwayServer server;
    ApiClient admin;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        root = dir;
        clusters = TestClusters.start("east-1");
        Path clustersFile =
                Files.writeString(root.resolve("clusters.yaml"), clusters.clustersFile("production", false));
        repo = GitRepo.init(root.resolve("repo"));
        repo.write("apps/shop/slipway.yaml", """
                app: shop
                manifests: kubernetes/
                environments:
                  production: {group: production, namespace: shop}
                """);
        repo.write("apps/shop/kubernetes/settings.yaml", configMap("settings", "one"));
        first = repo.commit("first");
        repo.write("apps/shop/kubernetes/settings.yaml", configMap("settings", "two"));
        repo.write("apps/shop/kubernetes/extra.yaml", configMap("extra", "only in the second commit"));
        second = repo.commit("second");
        // Uncommitted edits in the registered directory must not reach a deploy of a commit.
        repo.write("apps/shop/kubernetes/settings.yaml", configMap("settings", "uncommitted"));

        ServerConfig config = ServerConfig.loopback(root.resolve("state"), clustersFile)
                .withServerId("commit-test")
                .withDeployTimeout(Duration.ofSeconds(20))
                .withReaperInterval(Duration.ofHours(1));
        server = SlipwayServer.start(
                config,
                java.time.Clock.systemUTC(),
                dev.slipway.kube.KubeClusterTargets.fromKubeconfig(java.util.Optional.of(clusters.kubeconfig())),
                dev.slipway.core.render.SecretSource.REDACTED);
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        ApiClient.Reply registered =
                admin.post("/api/apps", "{\"directory\": \"" + repo.root.resolve("apps/shop") + "\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
    }

    @AfterAll
    void stop() {
        server.close();
        clusters.close();
    }

    @Test
    void deployingTheFirstCommitAfterTheSecondDeploysTheFirstCommitsObjects() {
        JsonNode two = deploy("{\"ref\": \"" + second + "\"}");
        assertThat(two.get("state").asText()).as(two.toString()).isEqualTo("succeeded");
        assertThat(greeting("settings")).isEqualTo("two");
        assertThat(configMap("extra")).isNotNull();

        JsonNode one = deploy("{\"ref\": \"" + first + "\"}");

        assertThat(one.get("state").asText()).as(one.toString()).isEqualTo("succeeded");
        assertThat(greeting("settings")).isEqualTo("one");
        assertThat(configMap("extra"))
                .as("the second commit's object is pruned")
                .isNull();
        assertThat(log(one.get("id").asLong())).contains("source: commit " + first);
        JsonNode revisions =
                admin.get("/api/apps/shop/environments/production/revisions").json();
        assertThat(revisions.get(0).get("revisions").get(0).get("ref").asText()).isEqualTo(first);
        assertThat(root.resolve("state/checkouts").resolve(first)).isDirectory();
        assertThat(root.resolve("state/checkouts").resolve(second)).isDirectory();
    }

    @Test
    void aDeployWithoutARefDeploysTheWorkingDirectoryAndSaysSo() {
        JsonNode done = deploy("{}");

        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(greeting("settings")).isEqualTo("uncommitted");
        assertThat(log(done.get("id").asLong())).contains("source: the working directory", "no ref was given");
    }

    @Test
    void aCommitTheRepositoryLacksIsRefusedAndNothingIsQueued() {
        String unknown = "0123456789abcdef0123456789abcdef01234567";
        int deploysBefore = admin.get("/api/deploys?limit=1000").json().size();

        ApiClient.Reply deploy =
                admin.post("/api/apps/shop/environments/production/deploys", "{\"ref\": \"" + unknown + "\"}");
        admin.post(
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \"" + unknown + "\", \"context\": \"ci\", \"state\": \"success\"}");
        ApiClient.Reply lab =
                admin.post("/api/apps/shop/labs", "{\"branch\": \"feature/x\", \"ref\": \"" + unknown + "\"}");

        for (ApiClient.Reply reply : List.of(deploy, lab)) {
            assertThat(reply.status()).as(reply.body()).isEqualTo(422);
            JsonNode problem = reply.json().get("problems").get(0);
            assertThat(problem.get("what").asText()).contains("commit " + unknown, "not in the git repository");
            assertThat(problem.get("fix").asText()).contains("push", "fetch");
        }
        assertThat(admin.get("/api/deploys?limit=1000").json().size()).isEqualTo(deploysBefore);
        assertThat(admin.get("/api/labs").json()).isEmpty();
    }

    private JsonNode deploy(String body) {
        ApiClient.Reply enqueued = admin.post("/api/apps/shop/environments/production/deploys", body);
        assertThat(enqueued.status()).as(enqueued.body()).isEqualTo(202);
        long id = enqueued.json().get("id").asLong();
        List<JsonNode> last = new ArrayList<>(List.of(enqueued.json()));
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            last.set(0, admin.get("/api/deploys/" + id).json());
            String state = last.get(0).get("state").asText();
            return !state.equals("queued") && !state.equals("running");
        });
        return last.get(0);
    }

    private String log(long id) {
        return admin.send(admin.request("/api/deploys/" + id + "/log")
                        .header("Accept", "text/event-stream")
                        .GET())
                .body();
    }

    private ConfigMap configMap(String name) {
        return clusters.cluster("east-1")
                .client()
                .configMaps()
                .inNamespace("shop")
                .withName(name)
                .get();
    }

    private String greeting(String name) {
        return configMap(name).getData().get("greeting");
    }

    private static String configMap(String name, String greeting) {
        return """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                data:
                  greeting: %s
                """.formatted(name, greeting);
    }
}
