package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.server.RolloutTestServer;
import dev.slipway.testkit.TestClusters;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Following a rollout the server runs: {@code slipway deploy --server} after the server started the rollout of
 * the canary it deployed, and {@code slipway rollout status --watch --server}. A real server on 127.0.0.1 whose
 * track calls are recorded and whose clock stands still, so only people move the steps; the CLI in-process, plain
 * output (not a terminal).
 */
class RolloutFollowServerTest {
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
        adminToken = tmp.resolve("admin.token");
        Files.writeString(adminToken, server.adminToken() + "\n");
        Files.setPosixFilePermissions(adminToken, PosixFilePermissions.fromString("rw-------"));
        cli = new CliRun(tmp.resolve("home"), tmp)
                .env("USER", "alice")
                .env("SLIPWAY_SERVER", server.url())
                .env("SLIPWAY_TOKEN_FILE", adminToken.toString());
    }

    @AfterEach
    void stop() {
        server.close();
        clusters.close();
    }

    CompletableFuture<CliRun.Result> inBackground(StringWriter out, StringWriter err, String... args) {
        CompletableFuture<CliRun.Result> done = new CompletableFuture<>();
        new Thread(() -> done.complete(cli.run(out, err, args))).start();
        return done;
    }

    CliRun.Result rollout(String action, String... more) {
        List<String> args = new ArrayList<>(List.of("rollout", action, "shop", "--env", "production"));
        args.addAll(List.of(more));
        return cli.run(args.toArray(String[]::new));
    }

    /** The server's registered copy of shop: one service, production rolled out by an opt-in step, then full. */
    Path appWithRollout(String image) throws Exception {
        Path dir = server.fixture.appDir;
        Files.writeString(dir.resolve("slipway.yaml"), """
                app: shop
                environments:
                  production:
                    group: production
                    namespace: shop
                    rollout:
                      steps: [optin, full]
                      analysis: {interval: 1s, minRequests: 5, maxErrorRate: 5%%, maxP99: 2s}
                      clusters: one-by-one
                services:
                  - {name: web, image: %s, port: 8080, health: /healthz}
                """.formatted(image));
        return dir;
    }

    @Test
    void aDeployThroughTheServerFollowsTheRolloutTheServerStartedToPromoted() throws Exception {
        Path app = appWithRollout("shop/web:1");
        CliRun.Result first = cli.run("deploy", app.toString(), "--env", "production", "--ref", "v1");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).doesNotContain("Following the rollout");
        appWithRollout("shop/web:2");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<CliRun.Result> deploy =
                inBackground(out, err, "deploy", app.toString(), "--env", "production", "--ref", "v2");
        for (String cluster : List.of("east-1", "west-1")) {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("the deploy ended: " + out + err, deploy::isDone)
                    .until(() -> out.toString().contains("waiting: " + cluster + " at an opt-in step"));
            CliRun.Result resumed = rollout("resume");
            assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        }
        CliRun.Result result = deploy.get(60, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out())
                .contains("rollout started on east-1, west-1")
                .contains("Following the rollout of shop revision v2 in production (through " + server.url() + ")")
                .containsPattern("east-1  paused \\(opt-in\\)  step 1/2 optin.*  traffic optin")
                .contains("move on with `slipway rollout resume shop --env production --server " + server.url() + "`")
                .containsPattern("east-1  promoted  step 2/2 full  traffic off")
                .containsPattern("west-1  promoted  step 2/2 full  traffic off")
                .contains("Promoted: shop revision v2 is stable in production.")
                .doesNotContain("\u001b[");
        assertThat(server.tracks.calls)
                .contains("promote-stable shop/production east-1", "promote-stable shop/production west-1");
    }

    @Test
    void noFollowLeavesTheRolloutToTheServerAndSaysHowToWatchIt() throws Exception {
        Path app = appWithRollout("shop/web:1");
        assertThat(cli.run("deploy", app.toString(), "--env", "production").exitCode())
                .isZero();
        appWithRollout("shop/web:2");

        CliRun.Result deploy = cli.run("deploy", app.toString(), "--env", "production", "--no-follow");

        assertThat(deploy.exitCode()).as(deploy.toString()).isZero();
        assertThat(deploy.out())
                .contains("rollout started on east-1, west-1")
                .contains("The server runs the rollout; follow it with: slipway rollout status shop --env production"
                        + " --server " + server.url() + " --watch")
                .doesNotContain("Following the rollout");
        assertThat(rollout("status").out()).containsPattern("east-1\\s+paused \\(opt-in\\)");
    }

    @Test
    void watchThroughTheServerEndsWithExitOneAndTheReasonWhenAnotherClientAborts() throws Exception {
        server.startRollout("r7", List.of("east-1", "west-1"), "alice");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<CliRun.Result> watch =
                inBackground(out, err, "rollout", "status", "shop", "--env", "production", "--watch");
        await().atMost(Duration.ofSeconds(20))
                .failFast("watch ended: " + out + err, watch::isDone)
                .until(() -> out.toString().contains("east-1  running  step 1/3 rps 100 for 1m  traffic rps 100"));

        assertThat(rollout("abort", "--reason", "p99 looks wrong").exitCode()).isZero();
        CliRun.Result result = watch.get(30, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(result.out()).containsPattern("east-1  aborted .*p99 looks wrong");
        assertThat(result.err())
                .contains("the rollout of shop revision r7 in production was stopped; traffic is on stable")
                .contains("east-1: aborted: aborted by admin: p99 looks wrong")
                .contains("slipway rollout retry shop --env production --server " + server.url());
    }

    @Test
    void watchThroughTheServerFollowsAPauseAndAPromotionToExitZero() throws Exception {
        server.startRollout("r8", List.of("east-1", "west-1"), "alice");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<CliRun.Result> watch =
                inBackground(out, err, "rollout", "status", "shop", "--env", "production", "--watch");
        await().atMost(Duration.ofSeconds(20))
                .failFast("watch ended: " + out + err, watch::isDone)
                .until(() -> out.toString().contains("east-1  running"));

        assertThat(rollout("pause", "--reason", "lunch").exitCode()).isZero();
        // a pause changes no stage: it is seen within one long poll's wait
        await().atMost(Duration.ofSeconds(20))
                .failFast("watch ended: " + out + err, watch::isDone)
                .until(() -> out.toString().contains("waiting: east-1 paused by hand"));
        assertThat(rollout("promote").exitCode()).isZero();
        CliRun.Result result = watch.get(30, TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out())
                .containsPattern("east-1  paused \\(by hand\\)  step 1/3 rps 100 for 1m  traffic rps 100: .*lunch")
                .containsPattern("west-1  promoted")
                .contains("Promoted: shop revision r8 is stable in production.");
        assertThat(Optional.of(result.err())).hasValue("");
    }
}
