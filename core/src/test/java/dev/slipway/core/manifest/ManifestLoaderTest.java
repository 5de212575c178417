package dev.slipway.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.TestApps;
import dev.slipway.core.spec.AppLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestLoaderTest {
    private static final Path FILE = Path.of("k8s/app.yaml");

    private final List<Problem> problems = new ArrayList<>();

    private List<Manifest> parse(String text) {
        return ManifestLoader.parse(text, FILE, problems);
    }

    private Problem onlyProblem(String text) {
        List<Manifest> out = parse(text);
        assertThat(out).as("objects with problems are not returned").isEmpty();
        assertThat(problems).hasSize(1);
        return problems.get(0);
    }

    @Test
    void multiDocumentFileYieldsEveryObjectWithItsStartLine() {
        List<Manifest> out = parse("""
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: one}
                ---
                ---
                # only a comment
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: two
                """);

        assertThat(problems).isEmpty();
        assertThat(out).extracting(m -> m.ref().toString()).containsExactly("ConfigMap/one", "Deployment.apps/two");
        assertThat(out).extracting(m -> m.source().toString()).containsExactly("k8s/app.yaml:2", "k8s/app.yaml:9");
    }

    @Test
    void listKindIsExpandedIntoItsItems() {
        List<Manifest> out = parse("""
                apiVersion: v1
                kind: List
                items:
                  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
                  - apiVersion: v1
                    kind: Secret
                    metadata: {name: b}
                """);

        assertThat(out).extracting(m -> m.ref().name()).containsExactly("a", "b");
        assertThat(out.get(1).source().line()).isEqualTo(5);
    }

    @Test
    void filesAreReadInPathOrderAtAnyDepthSkippingHiddenOnes(@TempDir Path dir) {
        String cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\n";
        TestApps.write(
                dir,
                Map.of(
                        "b.yaml", cm.formatted("b"),
                        "a/z.yml", cm.formatted("az"),
                        "a/b/c.yaml", cm.formatted("abc"),
                        ".hidden/x.yaml", cm.formatted("hidden"),
                        "notes.txt", "not yaml",
                        "slipway.yaml", "app: x"));

        List<Path> files = ManifestLoader.files(dir, Set.of(dir.resolve("slipway.yaml")));
        List<Manifest> out = ManifestLoader.load(files, problems);

        assertThat(problems).isEmpty();
        assertThat(out).extracting(m -> m.ref().name()).containsExactly("abc", "az", "b");
    }

    @Test
    void missingIdentityFieldsAreEachReported() {
        parse("metadata: {labels: {a: b}}\n");

        assertThat(problems)
                .extracting(Problem::what)
                .containsExactly(
                        "apiVersion: missing required field",
                        "kind: missing required field",
                        "metadata.name: missing required field");
        assertThat(problems).allSatisfy(p -> assertThat(p.where()).isEqualTo("k8s/app.yaml:1"));
    }

    @Test
    void missingMetadataIsReported() {
        Problem p = onlyProblem("apiVersion: v1\nkind: ConfigMap\n");

        assertThat(p.what()).isEqualTo("missing metadata");
    }

    @Test
    void invalidObjectNameIsReportedAtItsLineWithASuggestion() {
        Problem p = onlyProblem("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: My_Config\n");

        assertThat(p.where()).isEqualTo("k8s/app.yaml:4");
        assertThat(p.what())
                .isEqualTo("metadata.name: ConfigMap name 'My_Config' must consist of lower-case letters,"
                        + " digits, '-' and '.', and start and end with a letter or digit (RFC 1123 subdomain)");
        assertThat(p.fix()).contains("my-config");
    }

    @Test
    void serviceNamesMustBeLabelsButRbacNamesMayHoldColons() {
        parse("""
                apiVersion: v1
                kind: Service
                metadata: {name: web.internal}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: "system:acme-reader"}
                """);

        assertThat(problems).singleElement().satisfies(p -> assertThat(p.what()).contains("RFC 1123 label"));
    }

    @Test
    void nonStringLabelValueAsksForQuotes() {
        Problem p = onlyProblem("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    tier: 3\n");

        assertThat(p.where()).isEqualTo("k8s/app.yaml:6");
        assertThat(p.what()).isEqualTo("metadata.labels.tier: label values must be strings, got the number 3");
        assertThat(p.fix()).isEqualTo("quote it: \"3\"");
    }

    @Test
    void documentThatIsNotAMappingIsReported() {
        Problem p = onlyProblem("- just\n- a list\n");

        assertThat(p.what()).startsWith("a Kubernetes object must be a mapping");
    }

    @Test
    void generateNameIsRefusedBecausePruningNeedsNames() {
        Problem p = onlyProblem("apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: migrate-, name: m}\n");

        assertThat(p.what()).contains("generateName is not supported");
    }

    @Test
    void unknownSlipwayAnnotationSuggestsTheRightOne() {
        Problem p = onlyProblem("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: a
                  annotations:
                    slipway.dev/cluster: east-1
                """);

        assertThat(p.where()).isEqualTo("k8s/app.yaml:6");
        assertThat(p.what()).contains("unknown Slipway annotation 'slipway.dev/cluster'");
        assertThat(p.fix()).startsWith("did you mean 'slipway.dev/clusters'?");
    }

    @Test
    void waveMustBeAQuotedInteger() {
        parse("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: a
                  annotations: {slipway.dev/wave: 2}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: b
                  annotations: {slipway.dev/wave: "soon"}
                """);

        assertThat(problems)
                .extracting(Problem::what)
                .containsExactly(
                        "metadata.annotations.slipway.dev/wave: annotation values must be strings, got the number 2",
                        "metadata.annotations.slipway.dev/wave: wave must be a whole number, got \"soon\"");
        assertThat(problems.get(0).fix()).isEqualTo("quote it: \"2\"");
    }

    @Test
    void overrideMustBeAnObjectPatch() {
        Problem p = onlyProblem("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: a
                  annotations:
                    slipway.dev/override.east-1: "[1, 2]"
                """);

        assertThat(p.where()).isEqualTo("k8s/app.yaml:6");
        assertThat(p.what()).endsWith("override must be one JSON/YAML object (a merge patch), got a list");
    }

    @Test
    void overrideThatIsNotYamlIsReported() {
        Problem p = onlyProblem("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: a
                  annotations:
                    slipway.dev/override.east-1: '{"data": {"a": "b"}'
                """);

        assertThat(p.what()).contains("override is not valid JSON or YAML");
        assertThat(p.fix()).contains("{\"spec\": {\"replicas\": 5}}");
    }

    @Test
    void overrideMayNotChangeWhichObjectItIs() {
        Problem p = onlyProblem("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  annotations:
                    slipway.dev/override.east-1: '{kind: StatefulSet, metadata: {name: web2}}'
                """);

        assertThat(p.what()).contains("must not change kind, metadata.name");
    }

    @Test
    void overrideInYamlFlowSyntaxIsAccepted() {
        List<Manifest> out = parse("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  annotations:
                    slipway.dev/override.east-1: '{spec: {replicas: 5}}'
                """);

        assertThat(problems).isEmpty();
        assertThat(SlipwayAnnotations.of(out.get(0)).overrides().get("east-1").toString())
                .isEqualTo("{\"spec\":{\"replicas\":5}}");
    }

    @Test
    void clustersAnnotationMustListValidNames() {
        parse("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: a
                  annotations: {slipway.dev/clusters: "east-1,,West"}
                """);

        assertThat(problems)
                .extracting(Problem::what)
                .containsExactly(
                        "metadata.annotations.slipway.dev/clusters: cluster name '' must not be empty",
                        "metadata.annotations.slipway.dev/clusters: cluster name 'West' must consist of lower-case letters,"
                                + " digits and '-', and start and end with a letter or digit (RFC 1123 label)");
    }

    @Test
    void duplicateObjectsAreReportedWithBothLocations(@TempDir Path dir) {
        String cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n";
        TestApps.write(dir, Map.of("a.yaml", cm, "b.yaml", "# second copy\n" + cm));

        ManifestLoader.load(ManifestLoader.files(dir, Set.of()), problems);

        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.where()).endsWith("b.yaml:2");
            assertThat(p.what())
                    .isEqualTo("ConfigMap 'shared' is declared twice: here and at " + dir.resolve("a.yaml") + ":1");
        });
    }

    @Test
    void sameObjectForDisjointClustersIsNotADuplicate() {
        parse("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: region, annotations: {slipway.dev/clusters: east-1}}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: region, annotations: {slipway.dev/clusters: "west-2,north-3"}}
                """);
        ManifestLoader.load(List.of(), problems);

        assertThat(problems).isEmpty();
    }

    @Test
    void clusterScopedObjectWithANamespaceIsRefused(@TempDir Path dir) {
        TestApps.write(dir, Map.of("app/crb.yaml", """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: read, namespace: foo}
                """));

        InvalidInputException e =
                catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(dir.resolve("app")));

        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.what())
                        .isEqualTo("ClusterRoleBinding 'read' is cluster-scoped but sets metadata.namespace"));
    }

    @Test
    void octalFileModesReadAsKubernetesReadsThem() {
        List<Manifest> out = parse("""
                apiVersion: v1
                kind: Pod
                metadata: {name: p}
                spec: {volumes: [{name: v, secret: {secretName: s, defaultMode: 0644}}]}
                """);

        assertThat(out.get(0).body().at("/spec/volumes/0/secret/defaultMode").asInt())
                .isEqualTo(420);
    }
}
