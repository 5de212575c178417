package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/predict, whose production environment has a rollout, deployed with the real CLI to three simulated
 * clusters: the second deploy brings the new image up as a canary beside stable and starts the rollout in this
 * machine's files; status, history and abort show and undo it.
 */
class CanaryDeployCommandTest {
    static final Path EXAMPLES = Path.of("..").toAbsolutePath().normalize().resolve("examples");

    @TempDir
    Path tmp;

    TestClusters clusters;
    CliRun cli;
    Path app;

    @BeforeEach
    void setUp() throws IOException {
        clusters = TestClusters.start("east-1", "east-2", "west-1");
        app = tmp.resolve("predict");
        try (var paths = Files.walk(EXAMPLES.resolve("predict"))) {
            for (Path p : paths.toList()) {
                Path target =
                        app.resolve(EXAMPLES.resolve("predict").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        cli = new CliRun(tmp.resolve("home"), tmp)
                .env("KUBECONFIG", clusters.kubeconfig().toString())
                .env("SLIPWAY_CLUSTERS", EXAMPLES.resolve("clusters.yaml").toString())
                .env("USER", "alice");
    }

    @AfterEach
    void tearDown() {
        clusters.close();
    }

    void image(String tag) throws IOException {
        Path spec = app.resolve("slipway.yaml");
        Files.writeString(
                spec, Files.readString(spec).replaceAll("ghcr.io/acme/predict:[0-9.]+", "ghcr.io/acme/predict:" + tag));
    }

    Deployment deployment(String cluster, String name) {
        return clusters.cluster(cluster)
                .client()
                .apps()
                .deployments()
                .inNamespace("predict")
                .withName(name)
                .get();
    }

    @Test
    void aSecondDeployRunsTheNewImageAsACanaryAndAbortPutsStableBackAlone() throws IOException {
        var first = cli.run("deploy", app.toString(), "--env", "production", "--ref", "v1", "--timeout", "30s");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(deployment("east-1", "predict-canary")).isNull();

        image("1.4.0");
        var second = cli.run("deploy", app.toString(), "--env", "production", "--ref", "v2", "--timeout", "30s");

        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).contains("Canary up on east-1, east-2, west-1").contains("slipway rollout run");
        for (String c : new String[] {"east-1", "east-2", "west-1"}) {
            assertThat(deployment(c, "predict")
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getImage())
                    .isEqualTo("ghcr.io/acme/predict:1.3.0");
            assertThat(deployment(c, "predict-canary")
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getImage())
                    .isEqualTo("ghcr.io/acme/predict:1.4.0");
        }
        var status = cli.run("rollout", "status", "predict", "--app-dir", app.toString(), "--env", "production");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).contains("east-1").contains("west-1").contains("v2");
        var history = cli.run("history", "predict", "--app-dir", app.toString(), "--env", "production");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.out())
                .containsPattern("2  \\S+  succeeded  alice  canary")
                .containsPattern("1  \\S+  succeeded  alice  stable");

        var abort = cli.run(
                "rollout",
                "abort",
                "predict",
                "--app-dir",
                app.toString(),
                "--env",
                "production",
                "--reason",
                "not today");

        assertThat(abort.exitCode()).as(abort.toString()).isZero();
        for (String c : new String[] {"east-1", "east-2", "west-1"}) {
            assertThat(deployment(c, "predict-canary")).as("canary on %s", c).isNull();
            assertThat(deployment(c, "predict")
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getImage())
                    .isEqualTo("ghcr.io/acme/predict:1.3.0");
        }
        assertThat(cli.run("history", "predict", "--app-dir", app.toString(), "--env", "production")
                        .out())
                .contains("(rollback of 1)");
    }

    @Test
    void aCanaryThatNeverBecomesHealthyIsTakenAwayAndItsRolloutShownStoppedWithTheReason() throws IOException {
        var first = cli.run("deploy", app.toString(), "--env", "production", "--ref", "v1", "--timeout", "30s");
        assertThat(first.exitCode()).as(first.toString()).isZero();

        image("fail");
        var second = cli.run("deploy", app.toString(), "--env", "production", "--ref", "v2", "--timeout", "30s");

        assertThat(second.exitCode()).as(second.toString()).isEqualTo(1);
        assertThat(second.out())
                .contains("rollout.fail  predict/production/east-1  (alice): the canary in east-1 cannot run:")
                .contains("Rollout stopped before it started");
        assertThat(deployment("east-1", "predict-canary")).isNull();
        assertThat(deployment("east-1", "predict")
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getImage())
                .isEqualTo("ghcr.io/acme/predict:1.3.0");
        var status = cli.run("rollout", "status", "predict", "--app-dir", app.toString(), "--env", "production");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out())
                .containsPattern("east-1 +failed +- +off")
                .contains("the canary in east-1 cannot run")
                .contains("stable serves as before")
                .contains("deploy again");
        try (var files = Files.walk(tmp.resolve("home"))) {
            assertThat(files.map(Path::toString))
                    .as("no stage was written: the routers keep all traffic on stable")
                    .noneMatch(f -> f.endsWith(".stages.json"));
        }
    }
}
