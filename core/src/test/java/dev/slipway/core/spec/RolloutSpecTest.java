package dev.slipway.core.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.rollout.Analysis;
import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.rollout.RolloutStep;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rollout of an environment: what a valid one means, and what each mistake in one reads like. */
class RolloutSpecTest {
    private static final Path APP = Path.of("src/test/resources/apps/schema");
    private static final String HEAD = "app: acme-web\nservices:\n  - {name: web, image: 'nginx:1.27'}\n"
            + "environments:\n  production:\n    namespace: acme-web\n    rollout:\n";

    private static List<Problem> problems(String yaml) {
        List<Problem> problems = new ArrayList<>();
        try {
            AppLoader.parseSpec(yaml, APP, APP.resolve("slipway.yaml"), problems);
        } catch (InvalidInputException e) {
            problems.addAll(e.problems());
        }
        return problems;
    }

    private static RolloutSpec rollout(String body) {
        List<Problem> problems = new ArrayList<>();
        AppSpec spec = AppLoader.parseSpec(HEAD + body, APP, APP.resolve("slipway.yaml"), problems);
        assertThat(problems).isEmpty();
        return spec.environment("production").orElseThrow().rollout().orElseThrow();
    }

    @Test
    void theIssuesExampleReadsAsWritten() {
        RolloutSpec r = rollout("""
                      steps: [optin, {rps: 100, for: 10m}, {percent: 10, for: 30m}, {percent: 50, for: 30m}, full]
                      analysis: {interval: 10s, minRequests: 100, maxErrorRate: 1%, maxP99: 800ms, maxP99Ratio: 1.5}
                      clusters: one-by-one
                """);

        assertThat(r.steps())
                .containsExactly(
                        new RolloutStep.OptIn(),
                        new RolloutStep.Rps(100, Duration.ofMinutes(10)),
                        new RolloutStep.Percent(10, Duration.ofMinutes(30)),
                        new RolloutStep.Percent(50, Duration.ofMinutes(30)),
                        new RolloutStep.Full());
        assertThat(r.analysis())
                .isEqualTo(new Analysis(
                        Duration.ofSeconds(10),
                        100,
                        new BigDecimal("0.01"),
                        Optional.of(Duration.ofMillis(800)),
                        new BigDecimal("1.5")));
        assertThat(r.clusters()).isEqualTo(ClusterOrder.ONE_BY_ONE);
        assertThat(r.source().toString()).endsWith("slipway.yaml:7");
        // The router's own text form, so later code maps a step onto a router Stage with Stage.parse.
        assertThat(r.steps().stream().map(RolloutStep::stage))
                .containsExactly("optin", "rps 100", "percent 10", "percent 50", "full");
        assertThat(r.describeSteps())
                .isEqualTo("optin (until resumed by hand) → rps 100 for 10m → 10% for 30m → 50% for 30m → full");
        assertThat(r.analysis().describe())
                .isEqualTo("every 10s with at least 100 requests: errors <= 1%, p99 <= 800ms, p99 <= 1.5x stable");
    }

    @Test
    void omittedAnalysisAndClustersTakeTheDocumentedDefaults() {
        RolloutSpec r = rollout("      steps: [{percent: 20%, for: 5m}, full]\n");

        assertThat(r.analysis()).isEqualTo(Analysis.DEFAULT);
        assertThat(Analysis.DEFAULT.describe())
                .isEqualTo("every 10s with at least 100 requests: errors <= 1%, p99 <= 1.5x stable");
        assertThat(r.clusters()).isEqualTo(ClusterOrder.ONE_BY_ONE);
        assertThat(r.steps())
                .containsExactly(new RolloutStep.Percent(20, Duration.ofMinutes(5)), new RolloutStep.Full());
    }

    @Test
    void anEnvironmentWithoutRolloutDeploysInPlace() {
        List<Problem> problems = new ArrayList<>();
        AppSpec spec = AppLoader.parseSpec(
                "app: a\nservices: [{name: web, image: x}]\nenvironments: {production: {}, staging:}\n",
                APP,
                APP.resolve("slipway.yaml"),
                problems);

        assertThat(problems).isEmpty();
        assertThat(spec.environments().values())
                .allSatisfy(e -> assertThat(e.rollout()).isEmpty());
    }

    @Test
    void errorRatesAreExact() {
        Analysis a = rollout("      steps: [full]\n      analysis: {maxErrorRate: 0.5%, minRequests: 1}\n")
                .analysis();

        assertThat(a.errorRateWithin(5, 1000)).isTrue();
        assertThat(a.errorRateWithin(6, 1000)).isFalse();
        assertThat(a.maxErrorRatePercent()).isEqualTo("0.5%");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unknown step        | steps: [optin, canary, full]                        | 8 | environments.production.rollout.steps[1]: unknown step 'canary'",
                "step as text        | steps: ['rps 100', full]                            | 8 | environments.production.rollout.steps[0]: unknown step 'rps 100'",
                "misspelt word       | steps: [optn, full]                                 | 8 | environments.production.rollout.steps[0]: unknown step 'optn'",
                "percent 120         | steps: [{percent: 120, for: 1m}, full]              | 8 | environments.production.rollout.steps[0].percent: must be from 1 to 99, got 120",
                "percent 0           | steps: [{percent: 0, for: 1m}, full]                | 8 | environments.production.rollout.steps[0].percent: must be from 1 to 99, got 0",
                "percent 100         | steps: [{percent: 100, for: 1m}, full]              | 8 | environments.production.rollout.steps[0].percent: 100 % is the full step",
                "percent fraction    | steps: [{percent: 12.5, for: 1m}, full]             | 8 | environments.production.rollout.steps[0].percent: must be a whole percentage, got 12.5",
                "percent text        | steps: [{percent: ten, for: 1m}, full]              | 8 | environments.production.rollout.steps[0].percent: expected a whole percentage from 1 to 99, got \"ten\"",
                "rps 0               | steps: [{rps: 0, for: 1m}, full]                    | 8 | environments.production.rollout.steps[0].rps: must be at least 1, got 0",
                "rps text            | steps: [{rps: lots, for: 1m}, full]                 | 8 | environments.production.rollout.steps[0].rps: expected a whole number of requests per second, got \"lots\"",
                "for 5x              | steps: [{rps: 100, for: 5x}, full]                  | 8 | environments.production.rollout.steps[0].for: '5x' is not a duration",
                "for a number        | steps: [{rps: 100, for: 30}, full]                  | 8 | environments.production.rollout.steps[0].for: expected a duration with a unit, got the number 30",
                "missing for         | steps: [{percent: 10}, full]                        | 8 | environments.production.rollout.steps[0]: missing 'for': how long the step holds before the next one",
                "for below interval  | steps: [{percent: 10, for: 5s}, full]               | 8 | environments.production.rollout.steps[0].for: the step holds 5s, less than one analysis interval (10s): it would never be checked",
                "both kinds          | steps: [{percent: 10, rps: 5, for: 1m}, full]       | 8 | environments.production.rollout.steps[0]: a step has either rps or percent, not both",
                "unknown step key    | steps: [{percent: 10, for: 1m, hold: 2m}, full]     | 8 | environments.production.rollout.steps[0].hold: unknown field",
                "optin with for      | steps: [{optin: true, for: 1h}, full]               | 8 | environments.production.rollout.steps[0]: optin is written as a plain word, without a value or for",
                "percent goes down   | steps: [{percent: 50, for: 1m}, {percent: 10, for: 1m}, full] | 8 | environments.production.rollout.steps[1]: '10% for 1m' after '50% for 1m' does not increase the canary's traffic",
                "rps after percent   | steps: [{percent: 10, for: 1m}, {rps: 100, for: 1m}, full]    | 8 | environments.production.rollout.steps[1]: 'rps 100 for 1m' after '10% for 1m' does not increase the canary's traffic",
                "optin twice         | steps: [optin, optin, full]                         | 8 | environments.production.rollout.steps[1]: 'optin (until resumed by hand)' after 'optin (until resumed by hand)' does not increase the canary's traffic",
                "step after full     | steps: [full, {percent: 10, for: 1m}]               | 8 | environments.production.rollout.steps[1]: a step after full",
                "no full at the end  | steps: [{percent: 10, for: 1m}]                     | 8 | environments.production.rollout.steps[0]: the last step must be full",
                "no steps            | steps: []                                           | 8 | environments.production.rollout.steps: a rollout needs at least one step",
                "steps missing       | clusters: together                                  | 7 | environments.production.rollout.steps: missing required field",
                "error rate > 100%   | {steps: [full], analysis: {maxErrorRate: 120%}}     | 9 | environments.production.rollout.analysis.maxErrorRate: must be from 0% to 100%, got 120%",
                "error rate < 0      | {steps: [full], analysis: {maxErrorRate: -1%}}      | 9 | environments.production.rollout.analysis.maxErrorRate: must be from 0% to 100%, got -1%",
                "error rate number   | {steps: [full], analysis: {maxErrorRate: 0.01}}     | 9 | environments.production.rollout.analysis.maxErrorRate: expected a percentage with '%', got the number 0.01",
                "p99 ratio below 1   | {steps: [full], analysis: {maxP99Ratio: 0.9}}       | 9 | environments.production.rollout.analysis.maxP99Ratio: must be at least 1, got 0.9",
                "min requests 0      | {steps: [full], analysis: {minRequests: 0}}         | 9 | environments.production.rollout.analysis.minRequests: must be at least 1, got 0",
                "interval 0          | {steps: [full], analysis: {interval: 0s}}           | 9 | environments.production.rollout.analysis.interval: '0s' is not a duration",
                "interval below 1s   | {steps: [full], analysis: {interval: 500ms}}        | 9 | environments.production.rollout.analysis.interval: an analysis interval of 500ms is shorter than 1s: every router's numbers are read once per interval, and so short a window rarely holds minRequests",
                "p99 of 0            | {steps: [full], analysis: {maxP99: 0ms}}            | 9 | environments.production.rollout.analysis.maxP99: '0ms' is not a duration",
                "p99 above 1m        | {steps: [full], analysis: {maxP99: 2m}}             | 9 | environments.production.rollout.analysis.maxP99: a p99 limit of 2m could never be exceeded: the routers tell latencies apart only up to about 1m",
                "unknown analysis key| {steps: [full], analysis: {maxP95: 1s}}             | 9 | environments.production.rollout.analysis.maxP95: unknown field",
                "unknown rollout key | {steps: [full], canary: 10}                         | 9 | environments.production.rollout.canary: unknown field",
                "unknown order       | {steps: [full], clusters: all}                      | 9 | environments.production.rollout.clusters: unknown cluster order 'all'",
                "unknown sticky      | {steps: [full], sticky: session}                    | 9 | environments.production.rollout.sticky: unknown way to keep clients on one side 'session'",
                "sticky header empty | {steps: [full], sticky: {header: 'a b'}}            | 9 | environments.production.rollout.sticky.header: 'a b' is not a header name",
                "sticky other key    | {steps: [full], sticky: {header: X-Id, cookie: x}}  | 9 | environments.production.rollout.sticky.cookie: unknown field",
                "rps never enough    | {steps: [{rps: 5, for: 1m}, full], analysis: {minRequests: 100}} | 8 | environments.production.rollout.steps[0].rps: at most 5 requests per second give at most 50 requests per analysis interval (10s), fewer than analysis.minRequests (100): every check would wait and the step could never pass",
            })
    void mistakesAreRefusedWithWhereAndWhat(String name, String body, int line, String what) {
        String rollout = body.startsWith("{")
                ? "      "
                        + body.substring(1, body.length() - 1)
                                .replace(", analysis", "\n      analysis")
                                .replace(", canary", "\n      canary")
                                .replace(", clusters", "\n      clusters")
                                .replace(", sticky", "\n      sticky")
                        + "\n"
                : "      " + body + "\n";
        List<Problem> problems = problems(HEAD + rollout);

        assertThat(problems).as(HEAD + rollout).hasSize(1);
        Problem p = problems.get(0);
        assertThat(p.where()).endsWith("slipway.yaml:" + line);
        assertThat(p.what()).isEqualTo(what);
        assertThat(p.fix()).as("a hint").isNotBlank();
    }

    @Test
    void percentStepsAreStickyByTheCookieUnlessTheRolloutNamesAHeaderOrTheClientAddress() {
        assertThat(rollout("      steps: [full]\n").sticky()).isEqualTo(RolloutSpec.Sticky.COOKIE);
        assertThat(rollout("      steps: [full]\n      sticky: cookie\n").sticky())
                .isEqualTo(RolloutSpec.Sticky.COOKIE);
        assertThat(rollout("      steps: [full]\n      sticky: client-address\n")
                        .sticky())
                .isEqualTo(new RolloutSpec.Sticky(Optional.empty(), true));
        assertThat(rollout("      steps: [full]\n      sticky: {header: X-User-Id}\n")
                        .sticky())
                .isEqualTo(new RolloutSpec.Sticky(Optional.of("X-User-Id"), false));
    }

    @Test
    void aRolloutNeedsAServiceTheRouterReaches() {
        List<Problem> problems = problems("""
                app: a
                manifests: kubernetes/
                services: [{name: worker, run: ./work}]
                environments:
                  production:
                    rollout: {steps: [full]}
                """);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).where()).endsWith("slipway.yaml:6");
        assertThat(problems.get(0).what())
                .startsWith("environments.production.rollout: the app has no service the router can send traffic to");
        assertThat(problems.get(0).fix()).contains("give a service an image:");
    }

    @Test
    void everyMistakeOfARolloutIsReportedAtOnce() {
        List<Problem> problems = problems(HEAD + """
                      steps: [canary, {percent: 120, for: 5x}, {rps: 0, for: 1m}, full]
                      analysis: {maxErrorRate: 200%, maxP99Ratio: 0.5}
                """);

        assertThat(problems).extracting(Problem::what).hasSize(6);
    }
}
