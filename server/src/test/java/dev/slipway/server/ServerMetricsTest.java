package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.render.SecretSource;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.rollout.controller.Check;
import dev.slipway.rollout.controller.ClusterRollout;
import dev.slipway.rollout.controller.ClusterStatus;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RolloutStateJson;
import dev.slipway.rollout.controller.Verdict;
import dev.slipway.rollout.controller.Work;
import dev.slipway.router.Stage;
import dev.slipway.testkit.Promtool;
import dev.slipway.testkit.TestClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Prometheus server scraping {@code GET /metrics} sees after deploys, labs, reaper sweeps, rollouts and API
 * calls went through a real server on 127.0.0.1 deploying to two simulated clusters. Each test uses its own
 * environment, lab or route, so the numbers it expects are its own whatever order the tests run in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerMetricsTest {

    Path root;

    TestClusters clusters;
    ServerFixture fixture;
    ServerConfig config;
    SlipwayServer server;
    ApiClient admin;
    ApiClient prometheus;

    @BeforeAll
    void start(@TempDir Path dir) {
        root = dir;
        clusters = TestClusters.start("east-1", "west-1");
        fixture = new ServerFixture(root, clusters, List.of("production", "staging", "qa"));
        config = fixture.config("metrics");
        server = SlipwayServer.start(
                config,
                fixture.clock,
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                SecretSource.REDACTED,
                engine -> new RecordingTracks());
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        ApiClient.Reply registered =
                admin.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\", \"labTtl\": \"2h\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        String token = admin.post("/api/tokens", "{\"name\": \"prometheus\", \"scope\": \"metrics\"}")
                .json()
                .get("secret")
                .asText();
        prometheus = admin.as(token);
    }

    @AfterAll
    void stop() {
        server.close();
        clusters.close();
    }

    String scrape() {
        ApiClient.Reply reply = prometheus.get("/metrics");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.contentType()).startsWith("text/plain; version=0.0.4");
        return reply.body();
    }

    /**
     * A scrape once {@code series} has {@code value}: a deploy is counted as its worker ends, just after the store
     * (which the API answers from) says it ended.
     */
    String scrapeOnce(String series, double value) {
        String[] last = new String[1];
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            last[0] = scrape();
            assertThat(sample(last[0], series)).isEqualTo(value);
        });
        return last[0];
    }

    /** The value of the one sample whose name and labels are exactly these (labels in the exposition's order). */
    static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE)
                .matcher(scrape);
        assertThat(m.find()).as("the scrape has %s", series).isTrue();
        return Double.parseDouble(m.group(1));
    }

    long deploy(String environment) {
        ApiClient.Reply enqueued = admin.post("/api/apps/shop/environments/" + environment + "/deploys", "{}");
        assertThat(enqueued.status()).as(enqueued.body()).isEqualTo(202);
        long id = enqueued.json().get("id").asLong();
        admin.awaitDeploy(id);
        return id;
    }

    @Test
    void metricsNeedATokenAndAMetricsTokenReadsNothingElse() {
        ApiClient.Reply anonymous = admin.as(null).get("/metrics");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.body()).doesNotContain("slipway_");
        assertThat(prometheus.get("/api/deploys").status()).isEqualTo(403);
        assertThat(prometheus.get("/api/deploys").body()).contains("scope metrics");
        assertThat(admin.get("/metrics").status())
                .as("a wider scope scrapes too")
                .isEqualTo(200);
    }

    @Test
    void aDeployThroughTheApiIsCountedPerClusterWithItsDuration() {
        deploy("production");

        String scrape = scrapeOnce("slipway_deploys_running", 0.0);
        for (String cluster : List.of("east-1", "west-1")) {
            String labels = "app=\"shop\",cluster=\"" + cluster + "\",environment=\"production\",kind=\"deploy\"";
            assertThat(sample(scrape, "slipway_deploys_total{" + labels + ",outcome=\"succeeded\"}"))
                    .isEqualTo(1.0);
            assertThat(sample(scrape, "slipway_deploys_total{" + labels + ",outcome=\"failed\"}"))
                    .as("the failures of the series start at 0, so the first one is an increase")
                    .isEqualTo(0.0);
            assertThat(sample(scrape, "slipway_deploy_duration_seconds_count{" + labels + ",outcome=\"succeeded\"}"))
                    .isEqualTo(1.0);
            assertThat(sample(scrape, "slipway_deploy_duration_seconds_sum{" + labels + ",outcome=\"succeeded\"}"))
                    .isPositive();
        }
        assertThat(sample(scrape, "slipway_deploy_queue_depth")).isEqualTo(0.0);
        assertThat(sample(scrape, "slipway_deploys_running")).isEqualTo(0.0);
        assertThat(sample(scrape, "slipway_server_lease_healthy")).isEqualTo(1.0);
    }

    @Test
    void aDeployThatFailsOnTheFirstClusterCountsItFailedAndTheRestSkipped() throws Exception {
        fixture.writeManifests("fail");
        try {
            deploy("staging");
        } finally {
            fixture.writeManifests("ready");
        }

        String labels = "app=\"shop\",cluster=\"%s\",environment=\"staging\",kind=\"deploy\",outcome=\"%s\"";
        String scrape = scrapeOnce("slipway_deploys_total{" + labels.formatted("east-1", "failed") + "}", 1.0);
        assertThat(sample(scrape, "slipway_deploys_total{" + labels.formatted("east-1", "failed") + "}"))
                .isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_deploys_total{" + labels.formatted("east-1", "succeeded") + "}"))
                .isEqualTo(0.0);
        assertThat(sample(scrape, "slipway_deploys_total{" + labels.formatted("west-1", "skipped") + "}"))
                .isEqualTo(1.0);
    }

    @Test
    void apiRequestsAreCountedByRouteTemplateNeverByRawPath() {
        long id = deploy("qa");
        admin.get("/api/deploys/" + id);
        admin.get("/api/deploys/" + id);
        admin.get("/api/deploys/987654");
        admin.get("/no/such/page/" + id);

        String scrape = scrape();
        assertThat(sample(
                        scrape,
                        "slipway_api_requests_total{method=\"GET\",route=\"/api/deploys/{id}\",status=\"200\"}"))
                .isGreaterThanOrEqualTo(2.0);
        assertThat(sample(
                        scrape,
                        "slipway_api_requests_total{method=\"GET\",route=\"/api/deploys/{id}\",status=\"404\"}"))
                .isGreaterThanOrEqualTo(1.0);
        assertThat(sample(scrape, "slipway_api_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"))
                .isGreaterThanOrEqualTo(1.0);
        assertThat(scrape).doesNotContain("987654").doesNotContain("/api/deploys/" + id + "\"");
        assertThat(scrape)
                .contains("slipway_api_request_duration_seconds_bucket{method=\"GET\",route=\"/api/deploys/{id}\"");
    }

    @Test
    void theStorePoolAndTheJvmAreMetered() {
        String scrape = scrape();
        assertThat(sample(scrape, "hikaricp_connections_max{pool=\"slipway-store\"}"))
                .isEqualTo(config.store().poolSize());
        assertThat(scrape).contains("hikaricp_connections_acquire_seconds_count{pool=\"slipway-store\"}");
        assertThat(scrape).contains("jvm_memory_used_bytes{", "process_uptime_seconds");
    }

    @Test
    void labsAndTheReaperShowUpAsTheyComeAndGo() {
        admin.post(
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \"" + ServerFixture.SHA_GREEN
                        + "\", \"context\": \"ci\", \"state\": \"success\"}");
        JsonNode up = admin.post(
                        "/api/apps/shop/labs", "{\"branch\": \"pr-7\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\"}")
                .json();
        admin.awaitDeploy(up.get("deploy").get("id").asLong());
        String scrape = scrapeOnce(
                "slipway_deploys_total{app=\"shop\",cluster=\"east-1\",environment=\"lab\",kind=\"lab\","
                        + "outcome=\"succeeded\"}",
                1.0);
        assertThat(sample(scrape, "slipway_labs_active")).isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_labs_expiring")).isEqualTo(0.0);
        assertThat(sample(
                        scrape,
                        "slipway_deploys_total{app=\"shop\",cluster=\"east-1\",environment=\"lab\",kind=\"lab\","
                                + "outcome=\"succeeded\"}"))
                .as("a lab's environment is lab, not one per branch")
                .isEqualTo(1.0);
        assertThat(scrape).doesNotContain("pr-7");

        fixture.clock.add(Duration.ofMinutes(90));
        assertThat(sample(scrape(), "slipway_labs_expiring")).isEqualTo(1.0);

        fixture.clock.add(Duration.ofHours(1));
        clusters.cluster("east-1").rejectCredentials(true);
        try {
            assertThat(server.sweepLabsNow()).isEqualTo(new SlipwayServer.SweepResult(0, 1));
        } finally {
            clusters.cluster("east-1").rejectCredentials(false);
        }
        scrape = scrape();
        assertThat(sample(scrape, "slipway_labs_overdue")).isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_reaper_runs_total{result=\"failed\"}"))
                .isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_reaper_teardown_failures_total")).isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_reaper_last_success_timestamp_seconds"))
                .isEqualTo(0.0);

        fixture.clock.add(Duration.ofMinutes(5));
        assertThat(server.sweepLabsNow()).isEqualTo(new SlipwayServer.SweepResult(1, 0));
        scrape = scrape();
        assertThat(sample(scrape, "slipway_labs_active")).isEqualTo(0.0);
        assertThat(sample(scrape, "slipway_labs_overdue")).isEqualTo(0.0);
        assertThat(sample(scrape, "slipway_reaper_runs_total{result=\"succeeded\"}"))
                .isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_reaper_labs_deleted_total")).isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_reaper_last_success_timestamp_seconds"))
                .isEqualTo(fixture.clock.instant().getEpochSecond());
    }

    @Test
    void aRolloutShowsItsStepShareStatusAndTransitions() {
        server.rollouts()
                .start(
                        new RolloutKey("shop", "production"),
                        RolloutApiTest.spec(),
                        "r7",
                        List.of("east-1", "west-1"),
                        "alice");
        String scrape = scrape();
        assertThat(sample(
                        scrape,
                        "slipway_rollout_events_total{action=\"abort\",app=\"shop\",by=\"controller\","
                                + "environment=\"production\"}"))
                .as("an abort is an increase from 0, which rules see")
                .isEqualTo(0.0);
        String east = "app=\"shop\",cluster=\"east-1\",environment=\"production\"";
        assertThat(sample(scrape, "slipway_rollout_step{" + east + "}")).isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_rollout_steps{app=\"shop\",environment=\"production\"}"))
                .isEqualTo(3.0);
        assertThat(sample(scrape, "slipway_rollout_canary_share_ratio{" + east + "}"))
                .as("rps 100 sends no fixed share")
                .isEqualTo(0.0);
        assertThat(sample(scrape, "slipway_rollout_status{" + east + ",status=\"running\"}"))
                .isEqualTo(1.0);
        assertThat(sample(
                        scrape,
                        "slipway_rollout_status{app=\"shop\",cluster=\"west-1\",environment=\"production\","
                                + "status=\"pending\"}"))
                .isEqualTo(1.0);

        ApiClient.Reply aborted =
                admin.post("/api/apps/shop/environments/production/rollout/abort", "{\"reason\": \"p99 looks wrong\"}");
        assertThat(aborted.status()).as(aborted.body()).isEqualTo(200);

        scrape = scrape();
        assertThat(sample(scrape, "slipway_rollout_status{" + east + ",status=\"aborted\"}"))
                .isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_rollout_status{" + east + ",status=\"running\"}"))
                .isEqualTo(0.0);
        assertThat(sample(
                        scrape,
                        "slipway_rollout_events_total{action=\"abort\",app=\"shop\",by=\"person\","
                                + "environment=\"production\"}"))
                .isEqualTo(2.0);
        assertThat(sample(
                        scrape,
                        "slipway_rollout_events_total{action=\"start\",app=\"shop\",by=\"person\","
                                + "environment=\"production\"}"))
                .isEqualTo(1.0);
    }

    @Test
    void aRolloutJudgedByAnotherServerShowsItsLastVerdictAndShare() {
        // As another server's controller on the same database left it: east-1 at 10 %, its last check a breach.
        Instant at = fixture.clock.instant();
        Check breach = new Check(
                at,
                Duration.ofSeconds(10),
                200,
                10,
                Duration.ofMillis(54),
                1000,
                0,
                Duration.ofMillis(54),
                Verdict.BREACH,
                "error rate 5.00% above maxErrorRate 1%");
        RolloutState judged = new RolloutState(
                new RolloutKey("shop", "qa"),
                "r9",
                RolloutApiTest.spec(),
                at,
                "bob",
                List.of(new ClusterRollout(
                        "east-1",
                        ClusterStatus.RUNNING,
                        1,
                        Optional.of(at),
                        Stage.percent(10),
                        Optional.empty(),
                        Work.NONE,
                        Optional.of(breach),
                        "",
                        Optional.empty())),
                Set.of());
        assertThat(server.store().rollouts().save("shop", "qa", RolloutStateJson.write(judged), 0))
                .isTrue();

        String scrape = scrape();
        String east = "app=\"shop\",cluster=\"east-1\",environment=\"qa\"";
        assertThat(sample(scrape, "slipway_rollout_analysis_verdict{" + east + ",verdict=\"breach\"}"))
                .isEqualTo(1.0);
        assertThat(sample(scrape, "slipway_rollout_analysis_verdict{" + east + ",verdict=\"pass\"}"))
                .isEqualTo(0.0);
        assertThat(sample(scrape, "slipway_rollout_canary_share_ratio{" + east + "}"))
                .isEqualTo(0.1);
        assertThat(sample(scrape, "slipway_rollout_step{" + east + "}")).isEqualTo(2.0);
    }

    @Test
    void theScrapePassesPromtool() throws Exception {
        Promtool.require();
        deploy("qa");
        admin.get("/api/deploys");
        String scrape = scrape();
        // Kept for people to read what a scrape looks like.
        Files.writeString(Path.of("target", "server-metrics.txt"), scrape);

        Promtool.Result lint = Promtool.checkMetrics(scrape);

        assertThat(lint.output()).as("promtool check metrics").isEmpty();
        assertThat(lint.ok()).isTrue();
    }
}
