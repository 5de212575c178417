package dev.slipway.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.TestApps;
import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.SecretSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One case per remaining error message: each says what is wrong, where, and (mostly) what to do. */
class ErrorMessagesTest {
    @TempDir
    Path dir;

    private static final String CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";

    private Problem onlyProblem(Map<String, String> files) {
        TestApps.write(dir, files);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(dir));
        assertThat(e).as("expected the app to be refused").isNotNull();
        assertThat(e.problems()).hasSize(1);
        return e.problems().get(0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "empty spec             | # nothing yet\\n                                  | slipway.yaml      | slipway.yaml is empty",
                "two documents          | app: a\\nmanifests: k\\n---\\napp: b\\n             | slipway.yaml:4    | slipway.yaml holds more than one YAML document",
                "key without value      | app: a\\nmanifests: k\\nrouteTimeout:\\n             | slipway.yaml:3    | routeTimeout: has no value",
                "absolute manifests     | app: a\\nmanifests: /etc\\n                        | slipway.yaml:2    | manifests: must be a folder relative to the app directory, got '/etc'",
                "image with spaces      | app: a\\nservices: [{name: w, image: 'a b'}]\\n    | slipway.yaml:2    | services[0].image: 'a b' is not a container image reference",
                "blank run              | app: a\\nservices: [{name: w, run: '  '}]\\n       | slipway.yaml:2    | services[0].run: must not be blank",
                "long service name      | app: a\\nservices: [{name: wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww, image: x}]\\n | slipway.yaml:2 | services[0].name: service name is longer than 55 characters",
                "negative quantity      | app: a\\nservices: [{name: w, image: x, resources: {limits: {cpu: -1}}}]\\n | slipway.yaml:2 | services[0].resources.limits.cpu: '-1' is not a Kubernetes quantity",
                "env value is a list    | app: a\\nservices: [{name: w, image: x, env: {A: [1]}}]\\n | slipway.yaml:2 | services[0].env.A: expected a plain value, got a list",
                "secret shadows env     | app: a\\nservices: [{name: w, image: x, env: {A: b}, secrets: [A]}]\\n | slipway.yaml:2 | services[0].secrets[0]: a secret has the same name as an environment variable of this service",
                "service timeout number | app: a\\nservices:\\n  - {name: w, run: x, timeout: 5}\\n | slipway.yaml:3 | services[0].timeout: expected a duration with a unit, got the number 5",
                "service timeout text   | app: a\\nservices:\\n  - {name: w, run: x, timeout: soon}\\n | slipway.yaml:3 | services[0].timeout: 'soon' is not a duration",
                "spec is a list         | - app: a\\n                                        | slipway.yaml:1    | expected a mapping (key: value lines), got a list",
                "environments is a list | app: a\\nmanifests: k\\nenvironments: [prod]\\n    | slipway.yaml:3    | environments: expected a mapping (key: value lines), got a list",
            })
    void specErrors(String name, String spec, String where, String what) {
        Problem p = onlyProblem(Map.of("slipway.yaml", spec.replace("\\n", "\n"), "k/c.yaml", CONFIGMAP));

        assertThat(p.where()).endsWith(where);
        assertThat(p.what()).isEqualTo(what);
    }

    @Test
    void defaultNamespaceThatIsTooLongAsksForAnExplicitOne() {
        String app = "a".repeat(60);
        Problem p = onlyProblem(Map.of(
                "slipway.yaml",
                "app: " + app + "\nmanifests: k\nenvironments: {production: {}}\n",
                "k/c.yaml",
                CONFIGMAP));

        assertThat(p.what())
                .contains("the default namespace '" + app + "-production'")
                .contains("longer than 63");
        assertThat(p.fix()).isEqualTo("set namespace: explicitly");
    }

    @Test
    void emptyManifestsFolderIsRefused() throws Exception {
        TestApps.write(dir, Map.of("slipway.yaml", "app: a\nmanifests: k\n", "k/README.md", "nothing"));

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(dir));

        assertThat(e.problems())
                .extracting(Problem::what)
                .containsExactly("the manifests folder 'k' holds no .yaml or .yml files");
    }

    @Test
    void manifestsWithoutAnyObjectAreRefusedBecauseDeployWouldPruneEverything() {
        TestApps.write(
                dir, Map.of("slipway.yaml", "app: a\nmanifests: k\n", "k/all.yaml", "# all commented out\n---\n"));

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(dir));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.what()).isEqualTo("no Kubernetes objects found in 'k' (every document is empty)");
            assertThat(p.fix()).contains("delete what it deployed before");
        });
    }

    @Test
    void specWithTheYmlExtensionIsToldToRename() {
        Problem p = onlyProblem(Map.of("slipway.yml", "app: a\n"));

        assertThat(p.where()).endsWith("slipway.yml");
        assertThat(p.what()).isEqualTo("the spec file must be named slipway.yaml");
    }

    @Test
    void fileInsteadOfDirectoryIsReported() throws Exception {
        Path file = Files.writeString(dir.resolve("slipway.yaml"), "app: a\n");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(file));

        assertThat(e.problems()).extracting(Problem::what).containsExactly("not a directory");
        assertThat(e.problems().get(0).fix()).contains("app directory");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "bad apiVersion    | apiVersion: apps/1\\nkind: Deployment\\nmetadata: {name: w}\\n | c.yaml:1 | apiVersion: 'apps/1' is not an API version",
                "bad kind          | apiVersion: v1\\nkind: config-map\\nmetadata: {name: w}\\n     | c.yaml:2 | kind: 'config-map' is not a kind",
                "List without items| apiVersion: v1\\nkind: List\\n                                 | c.yaml:1 | a kind: List needs items",
                "bad namespace     | apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: w, namespace: Prod}\\n | c.yaml:3 | metadata.namespace: namespace 'Prod' must consist of lower-case letters, digits and '-', and start and end with a letter or digit (RFC 1123 label)",
                "bad override key  | apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: w, annotations: {slipway.dev/override.East: '{}'}}\\n | c.yaml:3 | metadata.annotations.slipway.dev/override.East: the cluster name 'East' in this override must consist of lower-case letters, digits and '-', and start and end with a letter or digit (RFC 1123 label)",
                "cluster twice     | apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: w, annotations: {slipway.dev/clusters: 'a,a'}}\\n | c.yaml:3 | metadata.annotations.slipway.dev/clusters: cluster 'a' is listed twice",
                "metadata is text  | apiVersion: v1\\nkind: ConfigMap\\nmetadata: w\\n                | c.yaml:3 | metadata: expected a mapping, got \"w\"",
            })
    void manifestErrors(String name, String manifest, String where, String what) {
        Problem p = onlyProblem(Map.of("app/c.yaml", manifest.replace("\\n", "\n")));

        assertThat(p.where()).endsWith(where);
        assertThat(p.what()).isEqualTo(what);
    }

    @Test
    void manifestThatIsNotUtf8IsReported() throws Exception {
        Files.createDirectories(dir.resolve("app"));
        Files.write(dir.resolve("app/c.yaml"), new byte[] {(byte) 0xff, (byte) 0xfe, 'a'});

        InvalidInputException e =
                catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(dir.resolve("app")));

        assertThat(e.problems()).extracting(Problem::what).containsExactly("file is not UTF-8 text");
    }

    @Test
    void overrideThatBreaksLabelsIsReportedWithTheCluster() {
        TestApps.write(dir, Map.of("app/c.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: w
                  annotations: {slipway.dev/override.east-1: '{metadata: {labels: {tier: 3}}}'}
                """));
        App app = AppLoader.load(dir.resolve("app"));

        InvalidInputException e = catchThrowableOfType(
                InvalidInputException.class,
                () -> new Renderer(SecretSource.REDACTED).render(app, "production", TestApps.threeClusters()));

        assertThat(e.problems())
                .extracting(Problem::what)
                .containsExactly(
                        "the override for cluster 'east-1' makes metadata.labels of ConfigMap 'w' something other than a map of strings");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "empty context    | groups: {g: {clusters: [{name: c, context: ''}]}}   | groups.g.clusters[0].context: must not be empty",
                "empty site       | groups: {g: {clusters: [{name: c, site: ''}]}}      | groups.g.clusters[0].site: must not be empty",
                "group w/o value  | 'groups: {g: }'                                      | groups.g: group 'g' is empty",
                "cluster is text  | groups: {g: {clusters: [east-1]}}                    | groups.g.clusters[0]: expected a cluster mapping, got \"east-1\"",
                "weight is text   | groups: {g: {clusters: [{name: c, weight: high}]}}  | groups.g.clusters[0].weight: expected a whole number from 0 to 1000000, got \"high\"",
                "groups is a list | groups: [g]                                          | groups: expected a mapping (key: value lines), got a list",
            })
    void clustersFileErrors(String name, String text, String what) {
        InvalidInputException e = catchThrowableOfType(
                InvalidInputException.class, () -> ClustersConfigLoader.parse(text, Path.of("clusters.yaml")));

        assertThat(e.problems()).extracting(Problem::what).containsExactly(what);
        assertThat(e.problems().get(0).where()).startsWith("clusters.yaml:1");
    }

    @Test
    void clustersFileWithTwoDocumentsIsRefused() {
        InvalidInputException e = catchThrowableOfType(
                InvalidInputException.class,
                () -> ClustersConfigLoader.parse(
                        "groups: {g: {clusters: [{name: c}]}}\n---\ngroups: {}\n", Path.of("c.yaml")));

        assertThat(e.problems())
                .extracting(Problem::what)
                .containsExactly("the clusters file holds more than one YAML document");
        assertThat(e.problems().get(0).where()).isEqualTo("c.yaml:3");
    }

    @Test
    void missingFileFromTheEnvironmentVariableSaysSo() {
        InvalidInputException e = catchThrowableOfType(
                InvalidInputException.class,
                () -> ClustersConfigLoader.locate(
                        Optional.empty(),
                        Map.of("SLIPWAY_CLUSTERS", dir.resolve("gone.yaml").toString()),
                        dir));

        assertThat(e.problems())
                .extracting(Problem::what)
                .containsExactly("the clusters file given by $SLIPWAY_CLUSTERS does not exist");
        assertThat(e.problems().get(0).fix()).isEqualTo("fix the path given by $SLIPWAY_CLUSTERS");
    }

    @Test
    void unreadableClustersFileIsReported() {
        InvalidInputException e = catchThrowableOfType(
                InvalidInputException.class, () -> ClustersConfigLoader.load(dir.resolve("missing.yaml")));

        assertThat(e.problems().get(0).what()).startsWith("cannot read the clusters file");
        assertThat(List.of(e.getMessage())).noneMatch(m -> m.contains("Exception"));
    }
}
