package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.router.RouterMeters;
import dev.slipway.testkit.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus rules and Grafana dashboard shipped in deploy/: valid for promtool, every alert unit-tested with
 * {@code promtool test rules}, and every Slipway metric they name one the server or router publishes (a renamed
 * meter would otherwise leave an alert that never fires).
 */
class AlertRulesTest {

    private static final Path DEPLOY = repositoryRoot().resolve("deploy");
    private static final Path RULES = DEPLOY.resolve("prometheus/slipway-rules.yaml");
    private static final Path RULE_TESTS = DEPLOY.resolve("prometheus/tests");
    private static final Path DASHBOARD = DEPLOY.resolve("grafana/slipway.json");
    private static final Pattern METRIC = Pattern.compile("\\b(slipway_[a-z0-9_]+)\\b");

    @Test
    void theRulesAreValid() {
        Promtool.Result check = Promtool.run(
                RULES.getParent(), "check", "rules", RULES.getFileName().toString());
        assertThat(check.ok()).as(check.output()).isTrue();
        assertThat(check.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAUnitTestAndTheyPass() throws IOException {
        List<String> tests = testFiles();
        assertThat(tests).isNotEmpty();
        List<String> args = new ArrayList<>(List.of("test", "rules"));
        tests.forEach(t -> args.add("tests/" + t));
        Promtool.Result run = Promtool.run(RULES.getParent(), args.toArray(String[]::new));
        assertThat(run.ok()).as(run.output()).isTrue();
        assertThat(run.output()).doesNotContain("FAILED");

        Set<String> alerts = matches(Files.readString(RULES), Pattern.compile("- alert: (\\w+)"));
        Set<String> tested = new TreeSet<>();
        for (String t : tests) {
            tested.addAll(matches(Files.readString(RULE_TESTS.resolve(t)), Pattern.compile("alertname: (\\w+)")));
        }
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        assertThat(tested).as("alerts with a promtool test").containsAll(alerts);
    }

    @Test
    void everyMetricTheRulesNameIsPublished() throws IOException {
        String rules = Files.readString(RULES);
        Set<String> recorded = matches(rules, Pattern.compile("- record: (\\S+)"));
        Set<String> named = matches(rules, METRIC);
        named.removeIf(name -> recorded.stream().anyMatch(r -> r.startsWith(name + ":")));
        assertThat(named)
                .isNotEmpty()
                .allSatisfy(name -> assertThat(published())
                        .as("%s, named in the rules, is published", name)
                        .contains(base(name)));
    }

    @Test
    void theDashboardIsValidJsonWhoseQueriesNamePublishedMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(dashboard.get("uid").asText()).isEqualTo("slipway-overview");
        List<String> exprs =
                dashboard.findValues("expr").stream().map(JsonNode::asText).toList();
        assertThat(exprs).hasSizeGreaterThan(20);
        String rules = Files.readString(RULES);
        Set<String> recorded = matches(rules, Pattern.compile("- record: (\\S+)"));
        for (String expr : exprs) {
            for (String name : matches(expr, METRIC)) {
                if (recorded.stream().anyMatch(r -> r.startsWith(name + ":"))) {
                    assertThat(recorded).as("the recording rule in %s", expr).anyMatch(r -> expr.contains(r));
                    continue;
                }
                assertThat(published())
                        .as("%s in the dashboard query %s", name, expr)
                        .contains(base(name));
            }
        }
    }

    /** The catalogue names of the server's and the router's meters, as Prometheus spells their base. */
    private static Set<String> published() {
        return Stream.concat(
                        Stream.of(ServerMeters.values()).map(ServerMeters::meterName),
                        Stream.of(RouterMeters.values()).map(RouterMeters::meterName))
                .map(n -> n.replace('.', '_'))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** A sample name without what Prometheus appends to a meter's: the series suffix and the base unit. */
    private static String base(String name) {
        return name.replaceFirst("_(total|bucket|count|sum|max)$", "").replaceFirst("_seconds$", "");
    }

    private static Set<String> matches(String text, Pattern pattern) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private static List<String> testFiles() throws IOException {
        try (Stream<Path> files = Files.list(RULE_TESTS)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".test.yaml"))
                    .sorted()
                    .toList();
        }
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy/prometheus"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("run from inside the repository: no deploy/prometheus above "
                    + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
