package dev.slipway.core.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.JsonTrees;
import dev.slipway.core.Problem;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.TestApps;
import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.manifest.Manifest;
import dev.slipway.core.manifest.ManifestLoader;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.SecretSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever a user writes, loading ends in a result or in located problems: never in a stack trace.
 * Inputs are random text, valid files with a few random edits, and random trees of known field names.
 */
class ParsingRobustnessTest {
    private static final Path APP = Path.of("src/test/resources/apps/schema");
    private static final Path SPEC_FILE = APP.resolve("slipway.yaml");
    private static final Path MANIFEST_FILE = Path.of("kubernetes/app.yaml");
    private static final Path CLUSTERS_FILE = Path.of("clusters.yaml");
    private static final YAMLMapper YAML = new YAMLMapper();

    private static final String SPEC_SEED = Scaffold.files("acme").get(Path.of("slipway.yaml"));
    private static final String MANIFEST_SEED = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {tier: front}
              annotations:
                slipway.dev/clusters: "east-1,west-2"
                slipway.dev/override.east-1: '{"spec": {"replicas": 3}}'
                slipway.dev/wave: "1"
            spec:
              replicas: 2
              template:
                spec:
                  containers: [{name: web, image: "nginx:1.27"}]
            ---
            apiVersion: v1
            kind: List
            items:
              - {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: acme}, data: {k: v}}
              - apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: "acme:reader"}
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec: {group: example.com, scope: Cluster, names: {kind: Widget, plural: widgets}}
            """;

    private static final List<String> TOKENS = List.of(
            ":",
            ": ",
            "- ",
            "-",
            "{",
            "}",
            "[",
            "]",
            "'",
            "\"",
            "#",
            "&a ",
            "*a",
            "<<: *a",
            "!!binary ",
            "!!int ",
            "|\n",
            ">\n",
            "\t",
            "  ",
            "\n",
            "\n  ",
            ",",
            "?",
            "%YAML 1.1\n",
            "---\n",
            "...\n",
            "null",
            "~",
            "0x1F",
            "0755",
            "1e400",
            "yes",
            ".inf",
            "\\u0000",
            "\u00e9",
            "\uFEFF",
            "@",
            "`",
            "{a: [",
            "]]]]",
            "slipway.dev/",
            "metadata:",
            "name: X",
            "kind: List",
            "items:",
            "apiVersion:");

    // --- slipway.yaml ------------------------------------------------------------------------------

    @Property(tries = 300)
    void anySpecTextLoadsOrFailsWithLocatedProblems(@ForAll("specTexts") String text) {
        expectResultOrLocatedProblems(SPEC_FILE, () -> {
            List<Problem> problems = new ArrayList<>();
            AppLoader.parseSpec(text, APP, SPEC_FILE, problems);
            if (!problems.isEmpty()) {
                throw new InvalidInputException(problems);
            }
        });
    }

    @Provide
    Arbitrary<String> specTexts() {
        return texts(
                SPEC_SEED,
                List.of(
                        "app",
                        "manifests",
                        "routeTimeout",
                        "environments",
                        "services",
                        "name",
                        "image",
                        "run",
                        "port",
                        "health",
                        "replicas",
                        "env",
                        "secrets",
                        "resources",
                        "requests",
                        "limits",
                        "cpu",
                        "memory",
                        "group",
                        "namespace",
                        "rollout",
                        "steps",
                        "optin",
                        "full",
                        "rps",
                        "percent",
                        "for",
                        "analysis",
                        "interval",
                        "minRequests",
                        "maxErrorRate",
                        "maxP99",
                        "maxP99Ratio",
                        "clusters"));
    }

    /** A spec with a rollout, so edits and random values land inside steps and analysis too. */
    private static final String ROLLOUT_SEED = """
            app: shop
            services:
              - {name: web, image: "nginx:1.27", port: 8080}
            environments:
              production:
                namespace: shop
                rollout:
                  steps: [optin, {rps: 100, for: 10m}, {percent: 10, for: 30m}, {percent: 50%, for: 30m}, full]
                  analysis: {interval: 10s, minRequests: 100, maxErrorRate: 1%, maxP99: 800ms, maxP99Ratio: 1.5}
                  clusters: one-by-one
            """;

    @Property(tries = 500)
    void anyRolloutTextLoadsOrFailsWithLocatedProblems(@ForAll("rolloutTexts") String text) {
        expectResultOrLocatedProblems(SPEC_FILE, () -> {
            List<Problem> problems = new ArrayList<>();
            AppSpec spec = AppLoader.parseSpec(text, APP, SPEC_FILE, problems);
            if (!problems.isEmpty()) {
                throw new InvalidInputException(problems);
            }
            // What loaded is usable: every summary the CLI prints can be made.
            spec.environments()
                    .values()
                    .forEach(e -> e.rollout().ifPresent(r -> {
                        assertThat(r.describeSteps()).isNotBlank();
                        assertThat(r.analysis().describe()).isNotBlank();
                    }));
        });
    }

    @Provide
    Arbitrary<String> rolloutTexts() {
        Arbitrary<String> values = Arbitraries.of(
                "0",
                "-1",
                "1",
                "99",
                "100",
                "120",
                "12.5",
                "1e400",
                "-1e400",
                ".nan",
                "1%",
                "0%",
                "100%",
                "120%",
                "-1%",
                "0.01",
                "5x",
                "0s",
                "10s",
                "1h30m",
                "99999999999999999999d",
                "optin",
                "full",
                "canary",
                "one-by-one",
                "together",
                "{}",
                "[]",
                "null",
                "~",
                "[full]",
                "[optin, full]",
                "{rps: 0}",
                "{percent: 10}",
                "{optin: true}",
                "'50%'",
                "1e9999999999");
        Arbitrary<String> swapped = Combinators.combine(
                        Arbitraries.of(
                                "optin",
                                "full",
                                "100",
                                "10m",
                                "10",
                                "30m",
                                "50%",
                                "10s",
                                "1%",
                                "800ms",
                                "1.5",
                                "one-by-one",
                                "{rps: 100, for: 10m}",
                                "[optin"),
                        values)
                .as((from, to) -> ROLLOUT_SEED.replaceFirst(java.util.regex.Pattern.quote(from), to));
        return Arbitraries.frequencyOf(
                Tuple.of(3, swapped),
                Tuple.of(
                        3,
                        texts(
                                ROLLOUT_SEED,
                                List.of(
                                        "rollout",
                                        "steps",
                                        "optin",
                                        "full",
                                        "rps",
                                        "percent",
                                        "for",
                                        "analysis",
                                        "interval",
                                        "minRequests",
                                        "maxErrorRate",
                                        "maxP99",
                                        "maxP99Ratio",
                                        "clusters"))));
    }

    // --- manifests, loaded and rendered -----------------------------------------------------------

    @Property(tries = 300)
    void anyManifestTextLoadsAndRendersOrFailsWithLocatedProblems(@ForAll("manifestTexts") String text) {
        expectResultOrLocatedProblems(MANIFEST_FILE, () -> {
            List<Problem> problems = new ArrayList<>();
            List<Manifest> manifests = ManifestLoader.parse(text, MANIFEST_FILE, problems);
            if (!problems.isEmpty()) {
                throw new InvalidInputException(problems);
            }
            AppSpec spec = new AppSpec(
                    "acme",
                    Optional.of(Path.of("kubernetes")),
                    Map.of(),
                    AppSpec.DEFAULT_ROUTE_TIMEOUT,
                    List.of(),
                    SourceLocation.of(MANIFEST_FILE));
            App app = new App(APP, spec, manifests);
            new Renderer(SecretSource.REDACTED).render(app, "production", TestApps.threeClusters());
        });
    }

    @Provide
    Arbitrary<String> manifestTexts() {
        return texts(
                MANIFEST_SEED,
                List.of(
                        "apiVersion",
                        "kind",
                        "metadata",
                        "name",
                        "namespace",
                        "labels",
                        "annotations",
                        "items",
                        "spec",
                        "slipway.dev/clusters",
                        "slipway.dev/override.east-1",
                        "slipway.dev/override.nowhere",
                        "slipway.dev/wave",
                        "generateName"));
    }

    @Property(tries = 100)
    void anyAppDirectoryLoadsAndRendersOrFailsWithLocatedProblems(
            @ForAll("manifestTexts") String first, @ForAll("manifestTexts") String second) throws Exception {
        Path dir = Files.createTempDirectory("slipway-app");
        try {
            TestApps.write(
                    dir,
                    Map.of(
                            "slipway.yaml", "app: acme\nmanifests: k\nenvironments: {production: {namespace: acme}}\n",
                            "k/a.yaml", first,
                            "k/sub/b.yml", second));
            expectResultOrLocatedProblems(dir, () -> {
                App app = AppLoader.load(dir);
                new Renderer(SecretSource.REDACTED).render(app, "production", TestApps.threeClusters());
            });
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    // --- clusters file ----------------------------------------------------------------------------

    @Property(tries = 300)
    void anyClustersTextLoadsOrFailsWithLocatedProblems(@ForAll("clustersTexts") String text) {
        expectResultOrLocatedProblems(CLUSTERS_FILE, () -> ClustersConfigLoader.parse(text, CLUSTERS_FILE));
    }

    @Provide
    Arbitrary<String> clustersTexts() {
        return texts(
                TestApps.THREE_CLUSTERS,
                List.of("groups", "production", "parallel", "clusters", "name", "context", "site", "nodes", "weight"));
    }

    // --- shared -----------------------------------------------------------------------------------

    private static void expectResultOrLocatedProblems(Path where, Runnable load) {
        try {
            load.run();
            Statistics.label("outcome").collect("loaded");
        } catch (InvalidInputException e) {
            Statistics.label("outcome").collect("refused");
            assertThat(e.problems()).isNotEmpty().allSatisfy(p -> {
                assertThat(p.where()).startsWith(where.toString());
                assertThat(p.what()).isNotBlank();
            });
        }
    }

    /** Random text, the seed with random edits, and random trees of the given field names, as YAML. */
    private static Arbitrary<String> texts(String seed, List<String> keys) {
        Arbitrary<String> random = Arbitraries.strings()
                .withChars("abcXYZ019 :-{}[]'\"#&*!|>\t,?%@`\n.~/")
                .ofMaxLength(120);
        Arbitrary<String> edited = edits().list().ofMinSize(1).ofMaxSize(3).map(list -> {
            String text = seed;
            for (Edit edit : list) {
                text = edit.apply(text);
            }
            return text;
        });
        Arbitrary<String> trees =
                JsonTrees.objects(JsonTrees.values(3, keys), keys).map(ParsingRobustnessTest::yaml);
        Arbitrary<String> seededTrees = JsonTrees.values(2, keys).map(value -> {
            // Put a random value at a random existing path of the seed, so deep fields get wrong types.
            try {
                JsonNode doc = YAML.readTree(seed);
                List<ObjectNode> objects = new ArrayList<>();
                collectObjects(doc, objects);
                ObjectNode target = objects.get(Math.abs(value.hashCode()) % objects.size());
                List<String> names = new ArrayList<>();
                target.fieldNames().forEachRemaining(names::add);
                String key = names.isEmpty()
                        ? keys.get(0)
                        : names.get(Math.abs(value.toString().length()) % names.size());
                target.set(key, value);
                return yaml(doc);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return Arbitraries.frequencyOf(
                Tuple.of(2, random), Tuple.of(4, edited), Tuple.of(2, trees), Tuple.of(2, seededTrees));
    }

    private static void collectObjects(JsonNode node, List<ObjectNode> into) {
        if (node.isObject()) {
            into.add((ObjectNode) node);
        }
        node.elements().forEachRemaining(child -> collectObjects(child, into));
    }

    private static String yaml(JsonNode node) {
        try {
            return YAML.writeValueAsString(node);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One random edit of a text: a deletion, an insertion, or a moved or re-indented line. */
    interface Edit {
        String apply(String text);
    }

    private static Arbitrary<Edit> edits() {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, 10_000);
        Arbitrary<Edit> insert = Combinators.combine(position, Arbitraries.of(TOKENS))
                .as((at, token) -> text -> {
                    int i = at % (text.length() + 1);
                    return text.substring(0, i) + token + text.substring(i);
                });
        Arbitrary<Edit> delete = Combinators.combine(
                        position, Arbitraries.integers().between(1, 15))
                .as((at, length) -> text -> {
                    if (text.isEmpty()) {
                        return text;
                    }
                    int i = at % text.length();
                    return text.substring(0, i) + text.substring(Math.min(text.length(), i + length));
                });
        Arbitrary<Edit> moveLine = Combinators.combine(position, position).as((from, to) -> text -> {
            List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
            String line = lines.remove(from % lines.size());
            lines.add(to % (lines.size() + 1), line);
            return String.join("\n", lines);
        });
        Arbitrary<Edit> indent = Combinators.combine(position, Arbitraries.of("", " ", "  ", "    ", "\t"))
                .as((at, prefix) -> text -> {
                    List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
                    int i = at % lines.size();
                    lines.set(i, prefix + lines.get(i).stripLeading());
                    return String.join("\n", lines);
                });
        return Arbitraries.oneOf(insert, delete, moveLine, indent);
    }
}
