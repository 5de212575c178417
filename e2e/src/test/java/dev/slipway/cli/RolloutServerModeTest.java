package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.server.RolloutTestServer;
import dev.slipway.testkit.TestClusters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway rollout status|pause|abort|... --server}: the real CLI in-process against a real server on
 * 127.0.0.1 that runs a rollout of shop in production over east-1 and west-1 (its track calls recorded, its clock
 * standing still, so only what the commands do changes the rollout).
 */
class RolloutServerModeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    TestClusters clusters;
    RolloutTestServer server;
    Path adminToken;
    CliRun cli;

    @BeforeEach
    void start() throws Exception {
        clusters = TestClusters.start("east-1", "west-1");
        server = RolloutTestServer.start(tmp, clusters);
        adminToken = tokenFile("admin.token", server.adminToken());
        cli = new CliRun(tmp.resolve("home"), tmp).env("USER", "alice");
    }

    @AfterEach
    void stop() {
        server.close();
        clusters.close();
    }

    CliRun.Result rollout(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("rollout"));
        all.addAll(List.of(args));
        all.addAll(List.of("--server", server.url(), "--token-file", adminToken.toString()));
        return cli.run(all.toArray(String[]::new));
    }

    @Test
    void statusPauseAndAbortThroughTheServerReadLikeTheDirectCommands() throws Exception {
        CliRun.Result none = rollout("status", "shop", "--env", "production");
        assertThat(none.exitCode()).as(none.toString()).isEqualTo(1);
        assertThat(none.err())
                .contains("there is no rollout of shop in production on the server " + server.url())
                .contains("slipway deploy DIR --env production --server " + server.url());

        server.startRollout("r7", List.of("east-1", "west-1"), "alice");

        CliRun.Result status = rollout("status", "shop", "--env", "production");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out())
                .contains("shop in production: revision r7, started by alice")
                .contains("under way (through " + server.url() + ")")
                .contains("steps: rps 100 for 1m → 10% for 2m → full (clusters one-by-one)")
                .containsPattern("CLUSTER\\s+STATUS\\s+STEP\\s+TRAFFIC")
                .containsPattern("east-1\\s+running\\s+1/3 rps 100 for 1m\\s+rps 100")
                .containsPattern("west-1\\s+pending\\s+-\\s+off")
                .contains("hint: the server moves traffic step by step");

        CliRun.Result json = rollout("status", "shop", "--env", "production", "-o", "json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        JsonNode doc = JSON.readTree(json.out());
        assertThat(doc.get("revision").asText()).isEqualTo("r7");
        assertThat(doc.at("/clusters/0/stage").asText()).isEqualTo("rps 100");
        assertThat(doc.at("/clusters/1/status").asText()).isEqualTo("pending");

        CliRun.Result paused = rollout("pause", "shop", "--env", "production", "--reason", "checking the dashboards");
        assertThat(paused.exitCode()).as(paused.toString()).isZero();
        assertThat(paused.out()).contains("Paused. Now: under way; see slipway rollout status shop --env production");
        CliRun.Result afterPause = rollout("status", "shop", "--env", "production");
        assertThat(afterPause.out())
                .containsPattern("east-1\\s+paused \\(by hand\\)\\s+1/3 rps 100 for 1m\\s+rps 100")
                .contains("checking the dashboards")
                .contains("hint: paused by hand; continue with `slipway rollout resume shop --env production`");

        CliRun.Result again = rollout("pause", "shop", "--env", "production");
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.err()).contains("nothing to pause");

        CliRun.Result aborted = rollout("abort", "shop", "--env", "production", "--reason", "p99 looks wrong");
        assertThat(aborted.exitCode()).as(aborted.toString()).isZero();
        assertThat(aborted.out()).contains("Aborted: traffic is on stable.");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(server.tracks.calls)
                        .contains("abort shop/production east-1", "abort shop/production west-1"));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                rollout("status", "shop", "--env", "production").out())
                        .contains("— stopped (through")
                        .containsPattern("east-1\\s+aborted")
                        .contains("p99 looks wrong")
                        .contains("hint: start it again with `slipway rollout retry shop --env production`"));

        CliRun.Result resumeStopped = rollout("resume", "shop", "--env", "production");
        assertThat(resumeStopped.exitCode()).as(resumeStopped.toString()).isEqualTo(1);
        assertThat(resumeStopped.err()).isNotBlank();
    }

    @Test
    void resumeAndPromoteThroughTheServerFinishTheRolloutOnEveryCluster() {
        server.startRollout("r8", List.of("east-1", "west-1"), "alice");
        assertThat(rollout("pause", "shop", "--env", "production").exitCode()).isZero();

        CliRun.Result resumed = rollout("resume", "shop", "--env", "production");
        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(resumed.out()).contains("Resumed.");
        assertThat(rollout("status", "shop", "--env", "production").out()).containsPattern("east-1\\s+running");

        CliRun.Result promoted = rollout("promote", "shop", "--env", "production");
        assertThat(promoted.exitCode()).as(promoted.toString()).isZero();
        assertThat(promoted.out()).containsPattern("Promot(ed|ing)");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(server.tracks.calls)
                        .contains("promote-stable shop/production east-1", "promote-stable shop/production west-1"));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                rollout("status", "shop", "--env", "production").out())
                        .contains("— promoted (through")
                        .containsPattern("east-1\\s+promoted")
                        .containsPattern("west-1\\s+promoted"));

        CliRun.Result retry = rollout("retry", "shop", "--env", "production");
        assertThat(retry.exitCode()).as(retry.toString()).isEqualTo(1);
        assertThat(retry.err()).isNotBlank();
    }

    @Test
    void aReadTokenSeesTheRolloutButIsToldWhichScopeSteeringItNeeds() throws Exception {
        server.startRollout("r7", List.of("east-1", "west-1"), "alice");
        Path readToken = tokenFile("read.token", issueToken("viewer", "read"));
        CliRun viewer = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_SERVER", server.url())
                .env("SLIPWAY_TOKEN_FILE", readToken.toString());

        CliRun.Result status = viewer.run("rollout", "status", "shop", "--env", "production");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).containsPattern("east-1\\s+running");

        CliRun.Result pause = viewer.run("rollout", "pause", "shop", "--env", "production");
        assertThat(pause.exitCode()).as(pause.toString()).isEqualTo(1);
        assertThat(pause.err()).contains("has scope read; this needs deploy").contains("scope deploy");
        assertThat(viewer.run("rollout", "status", "shop", "--env", "production")
                        .out())
                .as("nothing changed")
                .containsPattern("east-1\\s+running");
    }

    @Test
    void rolloutRunAndStagesThroughAServerAreRefusedWithWhatToDoInstead() {
        CliRun.Result run = rollout("run", "shop", "--env", "production");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.err())
                .contains("runs the controller of its rollouts itself")
                .contains("slipway rollout status shop --env production")
                .contains("--server ''");

        CliRun.Result stages = rollout("resume", "shop", "--env", "production", "--stages", "x.json");
        assertThat(stages.exitCode()).as(stages.toString()).isNotZero();
        assertThat(stages.err()).contains("--stages cannot be used with --server");
    }

    private String issueToken(String name, String scope) throws Exception {
        HttpResponse<String> reply = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.url() + "/api/tokens"))
                                .header("Authorization", "Bearer " + server.adminToken())
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"name\": \"" + name + "\", \"scope\": \"" + scope + "\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(reply.statusCode()).as(reply.body()).isLessThan(300);
        return JSON.readTree(reply.body()).get("secret").asText();
    }

    private Path tokenFile(String name, String secret) throws Exception {
        Path file = tmp.resolve(name);
        Files.writeString(file, secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
