package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

class RouterConfigLoaderTest {
    @TempDir
    Path dir;

    Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("router.yaml"), yaml);
    }

    @Test
    void theDocumentedExampleLoads() throws IOException {
        String doc = Files.readString(Path.of("../docs/router.md"));
        String example = doc.substring(doc.indexOf("```yaml\n") + 8, doc.indexOf("```", doc.indexOf("```yaml\n") + 8));
        RouterConfig config = RouterConfigLoader.load(write(example));
        assertThat(config.routes()).isNotEmpty();
        assertThat(config.backends()).isNotEmpty();
    }

    @Test
    void aRouteWithoutTimeoutGetsTenSecondsNeverInfinity() throws IOException {
        RouterConfig config = RouterConfigLoader.load(write("""
                backends:
                  web: {clusters: [{name: a, endpoints: [10.0.0.1:80]}]}
                routes:
                  - {name: web, backend: web}
                """));
        assertThat(config.routes().get(0).timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.routes().get(0).connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void unquotedOffIsTheStageNotABoolean() throws IOException {
        RouterConfig config = RouterConfigLoader.load(write("""
                backends:
                  a: {clusters: [{name: x, endpoints: [10.0.0.1:80]}]}
                  b: {clusters: [{name: x, endpoints: [10.0.0.2:80]}]}
                routes:
                  - name: web
                    backend: a
                    migration: {to: b, stage: off}
                """));
        assertThat(config.routes().get(0).migration().orElseThrow().stage()).isEqualTo(Stage.off());
    }

    @Test
    void anUnquotedWordThatIsNoStageIsReportedAsWritten() throws IOException {
        Path file = write("""
                backends:
                  a: {clusters: [{name: x, endpoints: [10.0.0.1:80]}]}
                  b: {clusters: [{name: x, endpoints: [10.0.0.2:80]}]}
                routes:
                  - name: web
                    backend: a
                    migration: {to: b, stage: on}
                """);
        assertThatThrownBy(() -> RouterConfigLoader.load(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(file + ":7 (routes.0.migration.stage): 'on' is not a migration stage");
    }

    @Test
    void everyProblemIsReportedWithFileLineAndField() throws IOException {
        Path file = write("""
                backends:
                  web:
                    clusters:
                      - name: a
                        endpoints: [10.0.0.1]
                routes:
                  - name: web
                    backend: web
                    timeout: forever
                    colour: blue
                    migration: {to: web, stage: percent 120}
                """);
        assertThatThrownBy(() -> RouterConfigLoader.load(file))
                .isInstanceOfSatisfying(
                        InvalidInputException.class,
                        e -> assertThat(e.problems())
                                .extracting(Problem::where)
                                .containsExactlyInAnyOrder(
                                        file + ":5 (backends.web.clusters.0.endpoints.0)",
                                        file + ":10 (routes.0.colour)",
                                        file + ":9 (routes.0.timeout)",
                                        file + ":11 (routes.0.migration.stage)"));
    }

    @Test
    void zeroTimeoutsAreRejectedBecauseTheyWouldMeanForever() throws IOException {
        Path file = write("""
                defaults: {timeout: 0s}
                backends:
                  web: {clusters: [{name: a, endpoints: [10.0.0.1:80]}]}
                routes:
                  - {name: web, backend: web}
                """);
        assertThatThrownBy(() -> RouterConfigLoader.load(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(file + ":1 (defaults.timeout)")
                .hasMessageContaining("more than 0");
    }

    @Test
    void stagesParseFromTheirTextForm() {
        assertThat(Stage.parse("percent 10")).contains(Stage.percent(10));
        assertThat(Stage.parse("rps: 100")).contains(Stage.requestsPerSecond(100));
        assertThat(Stage.parse("rollback")).contains(Stage.off());
        assertThat(Stage.parse("OptIn")).contains(Stage.optIn());
        assertThat(Stage.parse("percent 101")).isEmpty();
        assertThat(Stage.parse("rps 0")).isEmpty();
        assertThat(Stage.parse("sideways")).isEmpty();
        assertThat(Stage.percent(10).describe()).isEqualTo("percent 10");
    }

    @Test
    void theTokenBucketAdmitsItsRateAndNoMore() {
        MutableClock clock = MutableClock.of(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
        TokenBucket bucket = new TokenBucket(50, clock);
        int admitted = 0;
        for (int i = 0; i < 10_000; i++) {
            clock.add(Duration.ofMillis(1));
            if (bucket.tryTake()) {
                admitted++;
            }
        }
        // 10 simulated seconds at 50/s, plus the initial burst of 5.
        assertThat(admitted).isBetween(500, 505);
    }
}
