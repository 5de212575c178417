package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.rollout.controller.ClusterStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in a real browser: Debian's Chromium driven by playwright-core (src/test/browser/console-test.mjs)
 * logs in, watches a deploy finish and the rollout's charts grow live, aborts a rollout by its button, has a
 * CSRF-less post refused; a read-only user sees no buttons, and is sent to the login when its token is revoked.
 * Screenshots go to target/console-screenshots. CI installs chromium and the npm package (.ci/run); elsewhere
 * the test is skipped, saying what is missing.
 */
class ConsoleBrowserTest {
    static final Path SCRIPT_DIR = Path.of("src/test/browser");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path root;

    ConsoleServer console;
    SlipwayServer server;
    ApiClient admin;

    @BeforeEach
    void start() {
        String missing = !Files.isExecutable(CHROMIUM)
                ? "Debian's chromium (apt-get install chromium)"
                : !Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core"))
                        ? "playwright-core (npm ci --prefix server/src/test/browser)"
                        : "";
        if (!missing.isEmpty() && System.getenv("CI") != null) {
            throw new AssertionError("CI must run the browser tests, but " + missing + " is not installed");
        }
        assumeTrue(missing.isEmpty(), () -> "skipped: " + missing + " is not installed");
        // A deploy that hangs ends when this runs out: long enough for the browser to open its page first.
        console = new ConsoleServer(root, "browser", c -> c.withDeployTimeout(Duration.ofSeconds(15)));
        server = console.server;
        admin = console.admin;
    }

    @AfterEach
    void stop() {
        if (console != null) {
            console.close();
        }
    }

    @Test
    void aPersonLogsInAbortsARolloutByItsButtonAndAReaderSeesNoButtons() throws Exception {
        Path shots = Files.createDirectories(Path.of("target/console-screenshots"));
        Path output = root.resolve("browser.out");
        // A lab to extend, and a deploy still running when the browser opens its page (its Deployment never
        // becomes ready, so it fails when the deploy timeout runs out).
        long labId = console.lab("feature/x");
        Instant expiresBefore = Instant.parse(
                admin.get("/api/labs/" + labId).json().get("expiresAt").asText());
        console.fixture.writeManifests("hang");
        ApiClient.Reply queued = admin.post("/api/apps/shop/environments/production/deploys", "");
        assertThat(queued.status()).as(queued.body()).isEqualTo(202);
        long deploy = queued.json().get("id").asLong();
        // Two windows judged already; a third once the browser says it watches the rollout page.
        console.judged(10, 0, "pass");
        console.judged(20, 1, "pass");
        com.fasterxml.jackson.databind.JsonNode reader = console.issue("viewer", "read");
        java.util.concurrent.CompletableFuture<Void> thirdWindow =
                java.util.concurrent.CompletableFuture.runAsync(() -> {
                    org.awaitility.Awaitility.await()
                            .atMost(Duration.ofMinutes(3))
                            .until(() -> Files.exists(output)
                                    && Files.readString(output).contains("waiting: a third window"));
                    console.judged(30, 12, "breach");
                });
        ProcessBuilder pb = new ProcessBuilder(
                        "node", SCRIPT_DIR.resolve("console-test.mjs").toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("BASE_URL", server.url());
        pb.environment().put("DEPLOY_TOKEN", console.token("alice", "deploy"));
        pb.environment().put("READ_TOKEN", reader.get("secret").asText());
        pb.environment().put("READ_TOKEN_ID", reader.get("id").asText());
        pb.environment().put("ADMIN_TOKEN", ServerFixture.adminToken(console.config));
        pb.environment().put("CHROMIUM", CHROMIUM.toString());
        pb.environment().put("SCREENSHOTS", shots.toAbsolutePath().toString());
        pb.environment().put("DEPLOY_ID", Long.toString(deploy));
        Process browser = pb.start();
        boolean ended = browser.waitFor(3, TimeUnit.MINUTES);
        if (!ended) {
            browser.destroyForcibly();
        }
        String said = Files.readString(output);
        assertThat(ended).as("the browser run ended within 3 minutes: " + said).isTrue();
        assertThat(browser.exitValue()).as(said).isZero();
        assertThat(said)
                .contains("ok: the rollout's charts show the new window without a reload")
                .contains("ok: the abort button aborts and says so")
                .contains("ok: a revoked token's open page goes to the login");
        assertThat(thirdWindow).isDone();

        assertThat(server.rollouts()
                        .status(RolloutApiTest.KEY)
                        .flatMap(s -> s.cluster("east-1"))
                        .orElseThrow()
                        .status())
                .isEqualTo(ClusterStatus.ABORTED);
        assertThat(admin.audit("rollout.abort")).anySatisfy(e -> {
            assertThat(e.get("actor").asText()).isEqualTo("alice");
            assertThat(e.get("source").asText()).isEqualTo("web");
            assertThat(e.get("details").asText()).contains("p99 looks off");
        });
        assertThat(Instant.parse(
                        admin.get("/api/labs/" + labId).json().get("expiresAt").asText()))
                .isAfterOrEqualTo(expiresBefore.plus(Duration.ofHours(4)));
        assertThat(admin.audit("lab.extend"))
                .anySatisfy(e -> assertThat(e.get("source").asText()).isEqualTo("web"));
        assertThat(shots.resolve("rollout.png")).isNotEmptyFile();
        assertThat(shots.resolve("read-only.png")).isNotEmptyFile();
    }
}
