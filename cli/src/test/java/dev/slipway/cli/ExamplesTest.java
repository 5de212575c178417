package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** validate, render, init and schema on the shipped examples; none of them touches a cluster. */
class ExamplesTest {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final String ACME = REPO.resolve("examples/acme-web").toString();
    static final String CLUSTERS = REPO.resolve("examples/clusters.yaml").toString();

    @TempDir
    Path tmp;

    private CliRun cli;

    @BeforeEach
    void setUp() {
        cli = new CliRun(tmp.resolve("home"), tmp);
    }

    @Test
    void acmeWebIsValidInBothEnvironmentsAcrossThreeClusters() throws Exception {
        var result = cli.run("validate", ACME, "--clusters", CLUSTERS, "--output", "json");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode doc = new ObjectMapper().readTree(result.out());
        assertThat(doc.get("objects").asInt()).isGreaterThanOrEqualTo(50);
        assertThat(doc.get("environments")).hasSize(2);
        assertThat(doc.at("/environments/0/clusters")).hasSize(3);
    }

    @Test
    void validateShowsTheRolloutOfAnEnvironment() throws Exception {
        String predict = REPO.resolve("examples/predict").toString();

        var text = cli.run("validate", predict);
        var json = cli.run("validate", predict, "--output", "json");

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out())
                .contains("    rollout (one-by-one): optin (until resumed by hand) → rps 100 for 10m → 10% for 30m"
                        + " → 50% for 30m → full")
                .contains("    analysis: every 10s with at least 100 requests: errors <= 1%, p99 <= 800ms,"
                        + " p99 <= 1.5x stable");
        JsonNode rollout = new ObjectMapper().readTree(json.out()).at("/environments/0/rollout");
        assertThat(rollout.at("/steps/1/stage").asText()).isEqualTo("rps 100");
        assertThat(rollout.at("/steps/1/for").asText()).isEqualTo("10m");
        assertThat(rollout.at("/analysis/maxErrorRate").asText()).isEqualTo("1%");
        assertThat(rollout.at("/clusters").asText()).isEqualTo("one-by-one");
        assertThat(new ObjectMapper()
                        .readTree(json.out())
                        .at("/environments/1/rollout")
                        .isMissingNode())
                .isTrue();
    }

    @Test
    void renderAppliesOverridesAndClusterSelectionPerCluster() throws Exception {
        var west = cli.run("render", ACME, "--env", "production", "--cluster", "west-1", "--clusters", CLUSTERS);
        var east = cli.run("render", ACME, "--env", "production", "--cluster", "east-1", "--clusters", CLUSTERS);

        assertThat(west.exitCode()).as(west.toString()).isZero();
        assertThat(west.out()).contains("REGION: us-west-1").doesNotContain("report-export");
        assertThat(west.out()).doesNotContain("slipway.dev/override").doesNotContain("slipway.dev/wave");
        assertThat(east.out()).contains("REGION: us-east-1").contains("name: report-export");
    }

    @Test
    void renderJsonParsesAndHoldsEveryCluster() throws Exception {
        var result = cli.run("render", ACME, "--env", "production", "--clusters", CLUSTERS, "-o", "json");

        JsonNode doc = new ObjectMapper().readTree(result.out());
        assertThat(doc.get("clusters")).hasSize(3);
        assertThat(doc.at("/clusters/0/objects").size()).isGreaterThanOrEqualTo(50);
        assertThat(doc.at("/clusters/0/namespace").asText()).isEqualTo("acme-web");
    }

    @Test
    void renderOfAClusterOutsideTheGroupSaysWhichExist() {
        var result = cli.run("render", ACME, "--env", "production", "--cluster", "mars-1", "--clusters", CLUSTERS);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("mars-1").contains("east-1, east-2, west-1");
        assertThat(result.err()).doesNotContain("Exception");
    }

    @Test
    void unknownEnvironmentIsOneClearError() {
        var result = cli.run("render", ACME, "--env", "prod", "--clusters", CLUSTERS);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("unknown environment 'prod'").doesNotContain("at dev.slipway");
    }

    @Test
    void missingEnvFlagIsAUsageError() {
        var result = cli.run("render", ACME, "--clusters", CLUSTERS);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--env");
    }

    @Test
    void invalidAppReportsFileAndLineAsJson() throws Exception {
        Path app = tmp.resolve("broken");
        Files.createDirectories(app.resolve("k8s"));
        Files.writeString(
                app.resolve("slipway.yaml"),
                "app: broken\nmanifests: k8s/\nenvironments:\n  production: {group: p, namespace: Bad_NS}\n");

        var result = cli.run("validate", app.toString(), "--output", "json");

        assertThat(result.exitCode()).isEqualTo(1);
        JsonNode doc = new ObjectMapper().readTree(result.out());
        assertThat(doc.get("valid").asBoolean()).isFalse();
        assertThat(doc.at("/problems/0/where").asText()).contains("slipway.yaml:4");
    }

    @Test
    void initScaffoldsAValidAppAndNeverOverwrites() {
        var first = cli.run("init", "shop");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(tmp.resolve("shop/slipway.yaml")).content().contains("app: shop");
        assertThat(cli.run("validate", "shop").exitCode()).isZero();

        var again = cli.run("init", "shop");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already exists");
    }

    @Test
    void initRefusesANameKubernetesWouldReject() {
        var result = cli.run("init", "My_App");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("--name");
        assertThat(tmp.resolve("My_App")).doesNotExist();
    }

    @Test
    void schemaIsJson() throws Exception {
        var result = cli.run("schema");

        assertThat(new ObjectMapper().readTree(result.out()).get("$schema").asText())
                .contains("json-schema.org");
    }
}
