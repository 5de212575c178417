package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testkit.TestClusters;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server process killed with SIGKILL mid-deploy: its record survives, marked interrupted, and can be resumed. */
class CrashRecoveryTest {

    @TempDir
    Path root;

    Process child;

    @AfterEach
    void killChild() {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
        }
    }

    @Test
    void aServerKilledMidDeployLeavesAnInterruptedRecordWithPerClusterProgressThatCanBeResumed() throws Exception {
        try (TestClusters clusters = TestClusters.start("east-1", "west-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            // The Deployment becomes ready on east-1 and never on west-1, so the deploy is mid-group when killed.
            Files.writeString(
                    fixture.appDir.resolve("kubernetes/app.yaml"),
                    Files.readString(fixture.appDir.resolve("kubernetes/app.yaml"))
                            .replace(
                                    "  name: web\n",
                                    "  name: web\n  annotations:\n    slipway.dev/override.west-1: '{\"spec\": {\"template\": "
                                            + "{\"metadata\": {\"annotations\": {\"testkit.slipway.dev/outcome\": \"hang\"}}}}}'\n"));
            ServerConfig config = fixture.config("crashy");

            child = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            ServerMain.class.getName(),
                            "--state-dir",
                            config.stateDir().toString(),
                            "--clusters",
                            fixture.clustersFile.toString(),
                            "--kubeconfig",
                            clusters.kubeconfig().toString(),
                            "--server-id",
                            "crashy",
                            "--port",
                            "0",
                            "--deploy-timeout",
                            "10m")
                    .redirectErrorStream(true)
                    .start();
            String url = awaitListening(child);
            ApiClient api = new ApiClient(url, ServerFixture.adminToken(config));
            assertThat(api.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}")
                            .status())
                    .isEqualTo(201);
            long id = api.post("/api/apps/shop/environments/production/deploys", "{\"ref\": \"v1\"}")
                    .json()
                    .get("id")
                    .asLong();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> clusterStates(api.get("/api/deploys/" + id).json())
                            .equals(List.of("east-1:succeeded", "west-1:running")));

            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertThat(child.isAlive()).isFalse();

            // The lock the killed deploy held on west-1 lives for the deploy timeout plus two minutes; the restarted
            // server's clock is past it, as a real restart after that long would be.
            TestClock later = new TestClock(Instant.now().plus(Duration.ofMinutes(15)));
            try (SlipwayServer restarted = fixture.start(config, later)) {
                ApiClient again = new ApiClient(restarted.url(), ServerFixture.adminToken(config));
                JsonNode record = again.get("/api/deploys/" + id).json();
                assertThat(record.get("state").asText()).isEqualTo("interrupted");
                assertThat(clusterStates(record)).containsExactly("east-1:succeeded", "west-1:interrupted");
                assertThat(record.get("clusters").get(0).get("revision").asInt())
                        .isEqualTo(1);
                assertThat(again.get("/api/audit?action=deploy.interrupted").json())
                        .anySatisfy(e -> assertThat(e.get("details").asText()).contains("deploy " + id));

                fixture.writeManifests("ready");
                JsonNode resumed =
                        again.post("/api/deploys/" + id + "/resume", "").json();
                assertThat(resumed.get("resumes").asLong()).isEqualTo(id);
                long resumedId = resumed.get("id").asLong();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> again.get("/api/deploys/" + resumedId)
                                .json()
                                .get("state")
                                .asText()
                                .equals("succeeded"));
                assertThat(again.post("/api/deploys/" + id + "/resume", "").status())
                        .as("resumed once is enough, still interrupted")
                        .isEqualTo(202);
            }
        }
    }

    private static List<String> clusterStates(JsonNode deploy) {
        return java.util.stream.StreamSupport.stream(deploy.get("clusters").spliterator(), false)
                .map(c -> c.get("cluster").asText() + ":" + c.get("state").asText())
                .toList();
    }

    private static String awaitListening(Process process) throws Exception {
        Pattern listening = Pattern.compile("listening on (http\\S+)");
        CompletableFuture<String> url = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                StringBuilder seen = new StringBuilder();
                while ((line = out.readLine()) != null) {
                    Matcher m = listening.matcher(line);
                    if (m.find()) {
                        drain(out);
                        return m.group(1);
                    }
                    seen.append(line).append('\n');
                }
                throw new IllegalStateException("server exited before listening:\n" + seen);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return url.get(60, TimeUnit.SECONDS);
    }

    /** Keeps reading the child's output so it never blocks on a full pipe. */
    private static void drain(BufferedReader out) {
        Thread drainer = new Thread(
                () -> {
                    try {
                        while (out.readLine() != null) {
                            // discard
                        }
                    } catch (java.io.IOException closed) {
                        // the child was killed; nothing more to read
                    }
                },
                "child-output");
        drainer.setDaemon(true);
        drainer.start();
    }
}
