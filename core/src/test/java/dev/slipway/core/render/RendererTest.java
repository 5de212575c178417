package dev.slipway.core.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Labels;
import dev.slipway.core.Problem;
import dev.slipway.core.TestApps;
import dev.slipway.core.manifest.Manifest;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RendererTest {
    @TempDir
    Path dir;

    private static final String SPEC = """
            app: shop
            manifests: kubernetes/
            environments:
              production: {group: production, namespace: shop}
              qa: {group: missing-group}
            """;

    private App app(String... manifestFiles) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("slipway.yaml", SPEC);
        for (int i = 0; i < manifestFiles.length; i++) {
            files.put("kubernetes/" + (char) ('a' + i) + ".yaml", manifestFiles[i]);
        }
        return AppLoader.load(TestApps.write(dir, files));
    }

    private static Rendering render(App app, String env) {
        return new Renderer(SecretSource.REDACTED).render(app, env, TestApps.threeClusters());
    }

    private static List<String> names(RenderedCluster c) {
        return c.objects().stream()
                .map(m -> m.ref().kind() + "/" + m.ref().name())
                .toList();
    }

    private static RenderedCluster cluster(Rendering r, String name) {
        return r.clusters().stream()
                .filter(c -> c.cluster().name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {team: checkout}
              annotations:
                owner: checkout-team
                slipway.dev/override.west-2: '{"spec": {"replicas": 5}, "metadata": {"labels": {"slipway.dev/app": null}}}'
            spec:
              replicas: 2
            """;

    @Test
    void everyClusterGetsNamespaceOwnershipLabelsAndNoSlipwayAnnotations() {
        Rendering r = render(app(DEPLOYMENT), "production");

        assertThat(r.clusters()).extracting(c -> c.cluster().name()).containsExactly("east-1", "west-2", "north-3");
        for (RenderedCluster c : r.clusters()) {
            JsonNode meta = c.objects().get(0).body().path("metadata");
            assertThat(c.namespace()).isEqualTo("shop");
            assertThat(meta.path("namespace").asText()).isEqualTo("shop");
            assertThat(c.objects().get(0).ref().namespace()).isEqualTo("shop");
            assertThat(meta.path("labels").path(Labels.APP).asText()).isEqualTo("shop");
            assertThat(meta.path("labels").path(Labels.ENV).asText()).isEqualTo("production");
            assertThat(meta.path("labels").path(Labels.MANAGED_BY).asText()).isEqualTo("slipway");
            assertThat(meta.path("labels").path("team").asText()).isEqualTo("checkout");
            assertThat(meta.path("annotations").toString()).isEqualTo("{\"owner\":\"checkout-team\"}");
        }
    }

    @Test
    void overrideChangesOnlyItsClusterAndCannotRemoveOwnership() {
        Rendering r = render(app(DEPLOYMENT), "production");

        assertThat(cluster(r, "west-2")
                        .objects()
                        .get(0)
                        .body()
                        .at("/spec/replicas")
                        .asInt())
                .isEqualTo(5);
        assertThat(cluster(r, "east-1")
                        .objects()
                        .get(0)
                        .body()
                        .at("/spec/replicas")
                        .asInt())
                .isEqualTo(2);
        assertThat(cluster(r, "west-2")
                        .objects()
                        .get(0)
                        .body()
                        .at("/metadata/labels/slipway.dev~1app")
                        .asText())
                .isEqualTo("shop");
    }

    @Test
    void renderingNeverChangesTheLoadedApp() {
        App app = app(DEPLOYMENT);
        String before = app.manifests().get(0).body().toString();

        render(app, "production");

        assertThat(app.manifests().get(0).body().toString()).isEqualTo(before);
    }

    @Test
    void clustersAnnotationRestrictsAnObjectToThoseClusters() {
        Rendering r = render(app("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: region, annotations: {slipway.dev/clusters: "east-1, north-3"}}
                """), "production");

        assertThat(names(cluster(r, "east-1"))).containsExactly("ConfigMap/region");
        assertThat(names(cluster(r, "west-2"))).isEmpty();
        assertThat(names(cluster(r, "north-3"))).containsExactly("ConfigMap/region");
    }

    @Test
    void unknownClusterInAnnotationListsTheGroupsClusters() {
        App app = app("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: region, annotations: {slipway.dev/clusters: "east-1,south-9"}}
                """);

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> render(app, "production"));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.where()).endsWith("a.yaml:1");
            assertThat(p.what())
                    .isEqualTo("ConfigMap 'region': slipway.dev/clusters names cluster 'south-9', which is"
                            + " not in group 'production' (its clusters: east-1, west-2, north-3)");
        });
    }

    @Test
    void overrideForAClusterOutsideTheGroupIsRefused() {
        App app = app("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: region
                  annotations: {slipway.dev/override.east-9: '{data: {a: b}}'}
                """);

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> render(app, "production"));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.what())
                    .isEqualTo("ConfigMap 'region': slipway.dev/override.east-9 is for a cluster that is"
                            + " not in group 'production' (its clusters: east-1, west-2, north-3)");
            assertThat(p.fix()).contains("rename the annotation");
        });
    }

    @Test
    void objectsAreOrderedByWaveThenKindThenSource() {
        Rendering r = render(app("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                ---
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: w}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                ---
                apiVersion: batch/v1
                kind: Job
                metadata: {name: migrate, annotations: {slipway.dev/wave: "-1"}}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: b-config}
                ---
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: widgets.example.com}
                spec: {group: example.com, scope: Namespaced, names: {kind: Widget, plural: widgets}}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: a-config}
                ---
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: web}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: shop}
                ---
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingWebhookConfiguration
                metadata: {name: shop-check}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: late, annotations: {slipway.dev/wave: "1"}}
                """), "production");

        assertThat(names(r.clusters().get(0)))
                .containsExactly(
                        "Job/migrate",
                        "Namespace/shop",
                        "CustomResourceDefinition/widgets.example.com",
                        "ServiceAccount/web",
                        "ConfigMap/b-config",
                        "ConfigMap/a-config",
                        "Service/web",
                        "Deployment/web",
                        "Widget/w",
                        "ValidatingWebhookConfiguration/shop-check",
                        "ConfigMap/late");
    }

    @Test
    void clusterScopedObjectsGetNoNamespaceIncludingDeclaredClusterScopedCustomResources() {
        Rendering r = render(app("""
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: tenants.example.com}
                spec: {group: example.com, scope: Cluster, names: {kind: Tenant, plural: tenants}}
                ---
                apiVersion: example.com/v1
                kind: Tenant
                metadata: {name: acme}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: shop-reader}
                """), "production");

        assertThat(r.clusters().get(0).objects())
                .allSatisfy(m ->
                        assertThat(m.body().path("metadata").has("namespace")).isFalse());
    }

    @Test
    void objectInAnotherNamespaceIsRefused() {
        App app = app("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: billing}\n");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> render(app, "production"));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.what())
                    .isEqualTo("ConfigMap 'c' sets namespace 'billing' but environment 'production'"
                            + " deploys into namespace 'shop'");
            assertThat(p.fix()).contains("remove metadata.namespace");
        });
    }

    @Test
    void unknownEnvironmentListsTheDeclaredOnes() {
        App app = app("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> render(app, "prod"));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.where()).endsWith("slipway.yaml:1");
            assertThat(p.what()).isEqualTo("unknown environment 'prod'; this app declares: production, qa");
            assertThat(p.fix()).contains("--env");
        });
    }

    @Test
    void environmentWhoseGroupIsMissingNamesTheClustersFile() {
        App app = app("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> render(app, "qa"));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.where()).isEqualTo("clusters.yaml");
            assertThat(p.what())
                    .isEqualTo("environment 'qa' deploys to cluster group 'missing-group', which this"
                            + " clusters file does not define (it defines: production, staging)");
            assertThat(p.fix()).contains("clusters.yaml");
        });
    }

    @Test
    void appWithoutEnvironmentsDeploysToTheGroupOfTheSameNameIntoTheAppNamespace() {
        App app = AppLoader.load(TestApps.write(
                dir.resolve("billing"), Map.of("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")));

        Rendering r = render(app, "staging");

        assertThat(r.group().name()).isEqualTo("staging");
        assertThat(r.clusters())
                .singleElement()
                .satisfies(c -> assertThat(c.namespace()).isEqualTo("billing"));
    }

    private App serviceApp(String service) {
        return AppLoader.load(TestApps.write(dir, Map.of("slipway.yaml", """
                app: predict
                environments:
                  production: {namespace: ml}
                services:
                """ + service)));
    }

    @Test
    void generatedDeploymentCarriesTheSafeDefaults() {
        App app = serviceApp("  - {name: model, image: ghcr.io/acme/model:1.0, port: 9000, health: /ready}\n");

        Rendering r = render(app, "production");
        List<Manifest> objects = r.clusters().get(0).objects();
        JsonNode d = objects.get(1).body();
        JsonNode pod = d.at("/spec/template/spec");
        JsonNode c = pod.at("/containers/0");

        assertThat(names(r.clusters().get(0))).containsExactly("Service/model", "Deployment/model");
        assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asLong()).isGreaterThan(0);
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true))
                .isFalse();
        assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(c.at("/securityContext/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
        assertThat(c.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/tmp");
        assertThat(pod.at("/volumes/0/emptyDir").isObject()).isTrue();
        assertThat(c.at("/resources/requests").toString()).isEqualTo("{\"cpu\":\"100m\",\"memory\":\"128Mi\"}");
        assertThat(c.at("/resources/limits").toString()).isEqualTo("{\"cpu\":\"500m\",\"memory\":\"256Mi\"}");
        assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/ready");
        assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/ready");
        assertThat(c.at("/ports/0/containerPort").asInt()).isEqualTo(9000);
        assertThat(c.at("/env/0").toString()).isEqualTo("{\"name\":\"PORT\",\"value\":\"9000\"}");
        assertThat(d.at("/metadata/labels/app.kubernetes.io~1name").asText()).isEqualTo("predict");
        assertThat(d.at("/metadata/labels/app.kubernetes.io~1instance").asText())
                .isEqualTo("predict-production");
        assertThat(d.at("/metadata/labels/app.kubernetes.io~1component").asText())
                .isEqualTo("model");
        assertThat(d.at("/metadata/labels/app.kubernetes.io~1part-of").asText()).isEqualTo("predict");
        assertThat(d.at("/metadata/labels/app.kubernetes.io~1managed-by").asText())
                .isEqualTo("slipway");
        assertThat(d.at("/spec/selector/matchLabels"))
                .isEqualTo(objects.get(0).body().at("/spec/selector"));
        assertThat(d.at("/metadata/namespace").asText()).isEqualTo("ml");
    }

    @Test
    void localOnlyServicesRenderNothingForClusters() {
        App app = serviceApp("  - {name: notebook, run: jupyter lab}\n");

        assertThat(render(app, "production").clusters().get(0).objects()).isEmpty();
    }

    @Test
    void secretsComeFromTheSourceAndTheDeploymentNeverNamesThem() {
        App app = serviceApp("  - {name: model, image: m:1, secrets: [API_KEY, DB_URL]}\n");
        SecretSource source = (appName, names) -> Map.of("API_KEY", "k-123", "DB_URL", "postgres://x");

        Rendering r = new Renderer(source).render(app, "production", TestApps.threeClusters());
        Manifest secret = r.clusters().get(0).objects().get(0);
        Manifest deployment = r.clusters().get(0).objects().get(2);

        assertThat(secret.ref().toString()).isEqualTo("Secret/model-secrets (namespace ml)");
        assertThat(new String(
                        Base64.getDecoder()
                                .decode(secret.body().at("/data/API_KEY").asText()),
                        StandardCharsets.UTF_8))
                .isEqualTo("k-123");
        assertThat(deployment.body().toString())
                .doesNotContain("API_KEY")
                .doesNotContain("DB_URL")
                .doesNotContain("k-123")
                .contains("\"envFrom\":[{\"secretRef\":{\"name\":\"model-secrets\"}}]");
        assertThat(deployment
                        .body()
                        .at("/spec/template/metadata/annotations/slipway.dev~1secrets-hash")
                        .asText())
                .hasSize(16);
    }

    @Test
    void changingASecretValueChangesThePodTemplateSoPodsRoll() {
        App app = serviceApp("  - {name: model, image: m:1, secrets: [API_KEY]}\n");

        String hashA = hash(
                new Renderer((a, n) -> Map.of("API_KEY", "one")).render(app, "production", TestApps.threeClusters()));
        String hashB = hash(
                new Renderer((a, n) -> Map.of("API_KEY", "two")).render(app, "production", TestApps.threeClusters()));
        String hashA2 = hash(
                new Renderer((a, n) -> Map.of("API_KEY", "one")).render(app, "production", TestApps.threeClusters()));

        assertThat(hashA).isNotEqualTo(hashB).isEqualTo(hashA2);
    }

    private static String hash(Rendering r) {
        return r.clusters()
                .get(0)
                .objects()
                .get(2)
                .body()
                .at("/spec/template/metadata/annotations/slipway.dev~1secrets-hash")
                .asText();
    }

    @Test
    void missingSecretValueIsReportedWithoutNamingIt() {
        App app = serviceApp("  - {name: model, image: m:1, secrets: [API_KEY]}\n");

        InvalidInputException e = catchThrowableOfType(
                InvalidInputException.class,
                () -> new Renderer((a, n) -> Map.of()).render(app, "production", TestApps.threeClusters()));

        assertThat(e.problems())
                .extracting(Problem::what)
                .containsExactly("service 'model' needs a secret that is not set");
        assertThat(e.getMessage()).doesNotContain("API_KEY");
    }
}
