package dev.slipway.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.TestApps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppLoaderTest {
    @TempDir
    Path dir;

    private static final String CONFIGMAP = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {A: b}
            """;

    private InvalidInputException loadFails(String spec) {
        TestApps.write(dir, Map.of("slipway.yaml", spec, "kubernetes/config.yaml", CONFIGMAP));
        return catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(dir));
    }

    private static Problem only(InvalidInputException e) {
        assertThat(e).as("expected the load to fail").isNotNull();
        assertThat(e.problems()).hasSize(1);
        return e.problems().get(0);
    }

    @Test
    void minimalSpecFromTheIssueLoadsWithDefaults() {
        TestApps.write(dir, Map.of("slipway.yaml", """
                app: acme-web
                manifests: kubernetes/
                environments:
                  production: {group: production, namespace: acme-web}
                """, "kubernetes/config.yaml", CONFIGMAP));

        App app = AppLoader.load(dir);

        assertThat(app.spec().app()).isEqualTo("acme-web");
        assertThat(app.spec().routeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(app.spec().environment("production").orElseThrow().namespace())
                .isEqualTo("acme-web");
        assertThat(app.manifests()).extracting(m -> m.ref().name()).containsExactly("settings");
        assertThat(app.manifests().get(0).source().toString()).endsWith("config.yaml:1");
    }

    @Test
    void fullServiceSpecIsReadWithEveryField() {
        TestApps.write(dir, Map.of("slipway.yaml", """
                app: predict
                routeTimeout: 1m30s
                environments:
                  staging: {}
                services:
                  - name: model
                    image: ghcr.io/acme/model:1.2
                    run: python serve.py
                    port: 9000
                    health: /ready
                    replicas: 3
                    timeout: 45s
                    env: {WORKERS: 4, DEBUG: false, MODE: fast}
                    secrets: [API_KEY]
                    resources:
                      requests: {cpu: 250m, memory: 1Gi}
                      limits: {cpu: 2, memory: 2Gi}
                """));

        App app = AppLoader.load(dir);
        ServiceSpec s = app.spec().services().get(0);

        assertThat(app.spec().routeTimeout()).isEqualTo(Duration.ofSeconds(90));
        EnvironmentSpec staging = app.spec().environment("staging").orElseThrow();
        assertThat(staging.group()).isEqualTo("staging");
        assertThat(staging.namespace()).isEqualTo("predict-staging");
        assertThat(s.image()).contains("ghcr.io/acme/model:1.2");
        assertThat(s.run()).contains("python serve.py");
        assertThat(s.port()).isEqualTo(9000);
        assertThat(s.healthPath()).isEqualTo("/ready");
        assertThat(s.replicas()).isEqualTo(3);
        assertThat(app.spec().routeTimeout(s))
                .as("the service's own route timeout")
                .isEqualTo(Duration.ofSeconds(45));
        assertThat(s.env())
                .containsExactly(Map.entry("WORKERS", "4"), Map.entry("DEBUG", "false"), Map.entry("MODE", "fast"));
        assertThat(s.secrets()).containsExactly("API_KEY");
        assertThat(s.resources()).isEqualTo(new ServiceSpec.Resources("250m", "1Gi", "2", "2Gi"));
        assertThat(app.manifests()).isEmpty();
    }

    @Test
    void envValuesKeepTheTextAsWritten() {
        TestApps.write(dir, Map.of("slipway.yaml", """
                app: a
                services:
                  - name: web
                    image: x
                    env: {DEBUG: yes, MODE: 0755, VERSION: 1.10, BIG: 1e3, QUOTED: "on"}
                """));

        ServiceSpec s = AppLoader.load(dir).spec().services().get(0);

        assertThat(s.env())
                .containsExactly(
                        Map.entry("DEBUG", "yes"),
                        Map.entry("MODE", "0755"),
                        Map.entry("VERSION", "1.10"),
                        Map.entry("BIG", "1e3"),
                        Map.entry("QUOTED", "on"));
    }

    @Test
    void serviceDefaultsAreSafeAndDocumented() {
        TestApps.write(dir, Map.of("slipway.yaml", "app: a\nservices:\n  - {name: web, image: nginx:1.27}\n"));

        ServiceSpec s = AppLoader.load(dir).spec().services().get(0);

        assertThat(s.port()).isEqualTo(8080);
        assertThat(s.healthPath()).isEqualTo("/");
        assertThat(s.replicas()).isEqualTo(1);
        assertThat(s.resources()).isEqualTo(ServiceSpec.Resources.DEFAULT);
    }

    @Test
    void unknownFieldNamesItsLineAndSuggestsTheClosestField() {
        Problem p = only(loadFails("app: a\nmanifests: kubernetes/\nenviroments:\n  prod: {}\n"));

        assertThat(p.where()).endsWith("slipway.yaml:3");
        assertThat(p.what()).isEqualTo("enviroments: unknown field");
        assertThat(p.fix()).startsWith("did you mean 'environments'?");
    }

    @Test
    void unknownServiceFieldIsReportedWithItsPath() {
        Problem p = only(loadFails("""
                app: a
                services:
                  - name: web
                    image: x
                    healthcheck: /ready
                """));

        assertThat(p.where()).endsWith("slipway.yaml:5");
        assertThat(p.what()).isEqualTo("services[0].healthcheck: unknown field");
        assertThat(p.fix()).contains("did you mean 'health'?");
    }

    @Test
    void wrongTypeSaysWhatWasExpectedAndWhatWasFound() {
        Problem p = only(loadFails("app: a\nservices:\n  - name: web\n    image: x\n    port: http\n"));

        assertThat(p.where()).endsWith("slipway.yaml:5");
        assertThat(p.what()).isEqualTo("services[0].port: expected a whole number from 1 to 65535, got \"http\"");
    }

    @Test
    void portOutOfRangeIsRefused() {
        Problem p = only(loadFails("app: a\nservices:\n  - {name: web, image: x, port: 70000}\n"));

        assertThat(p.what()).isEqualTo("services[0].port: must be from 1 to 65535, got 70000");
    }

    @Test
    void invalidAppNameExplainsRfc1123AndSuggestsAFix() {
        Problem p = only(loadFails("app: Acme_Web\nmanifests: kubernetes/\n"));

        assertThat(p.where()).endsWith("slipway.yaml:1");
        assertThat(p.what()).contains("app name 'Acme_Web'").contains("RFC 1123 label");
        assertThat(p.fix()).contains("acme-web");
    }

    @Test
    void invalidNamespaceAndEnvironmentNamesAreRefused() {
        InvalidInputException e = loadFails("""
                app: a
                manifests: kubernetes/
                environments:
                  Prod: {namespace: my.ns}
                """);

        assertThat(e.problems())
                .extracting(Problem::what)
                .anySatisfy(w -> assertThat(w).contains("environment name 'Prod'"))
                .anySatisfy(w -> assertThat(w).contains("namespace 'my.ns'"));
    }

    @Test
    void durationWithoutUnitIsRefusedWithAnExample() {
        Problem p = only(loadFails("app: a\nmanifests: kubernetes/\nrouteTimeout: 30\n"));

        assertThat(p.what()).isEqualTo("routeTimeout: expected a duration with a unit, got the number 30");
        assertThat(p.fix()).contains("30s");
    }

    @Test
    void malformedDurationIsRefused() {
        Problem p = only(loadFails("app: a\nmanifests: kubernetes/\nrouteTimeout: ten seconds\n"));

        assertThat(p.what()).isEqualTo("routeTimeout: 'ten seconds' is not a duration");
        assertThat(p.fix()).contains("10s, 2m, 1h30m");
    }

    @Test
    void replicasAndHealthPathAreChecked() {
        InvalidInputException e = loadFails("""
                app: a
                services:
                  - name: web
                    image: x
                    replicas: -1
                    health: healthz
                """);

        assertThat(e.problems())
                .extracting(Problem::what)
                .containsExactly(
                        "services[0].health: health path must start with '/' and contain no spaces, got 'healthz'",
                        "services[0].replicas: must be from 0 to 1000, got -1");
    }

    @Test
    void envVariableNamesMustBeValidAndPortIsReserved() {
        InvalidInputException e = loadFails("""
                app: a
                services:
                  - name: web
                    image: x
                    env: {LOG-LEVEL: debug, PORT: "80"}
                """);

        assertThat(e.problems())
                .extracting(Problem::what)
                .containsExactly(
                        "services[0].env.LOG-LEVEL: 'LOG-LEVEL' is not a valid environment variable name",
                        "services[0].env.PORT: PORT is set by Slipway from the service's port");
    }

    @Test
    void secretNamesMustBeValidAndUniqueButAreNeverEchoed() {
        InvalidInputException e = loadFails("""
                app: a
                services:
                  - name: web
                    image: x
                    secrets: [db-password, TOKEN, TOKEN]
                """);

        assertThat(e.problems())
                .extracting(Problem::what)
                .containsExactly(
                        "services[0].secrets[0]: a secret name must be a valid environment variable name",
                        "services[0].secrets[2]: secret listed twice");
        assertThat(e.getMessage()).doesNotContain("db-password").doesNotContain("TOKEN");
    }

    @Test
    void resourceQuantitiesAreValidatedAndRequestsMayNotExceedLimits() {
        InvalidInputException e = loadFails("""
                app: a
                services:
                  - name: web
                    image: x
                    resources:
                      requests: {cpu: 2, memory: lots}
                      limits: {cpu: 500m}
                """);

        assertThat(e.problems())
                .extracting(Problem::what)
                .containsExactly(
                        "services[0].resources.requests.memory: 'lots' is not a Kubernetes quantity",
                        "services[0].resources.requests.cpu: cpu request 2 is above its limit 500m");
    }

    @Test
    void serviceWithoutImageOrRunIsRefused() {
        Problem p = only(loadFails("app: a\nservices:\n  - name: web\n"));

        assertThat(p.what()).isEqualTo("services[0]: service 'web' has neither image nor run");
        assertThat(p.fix()).contains("image:").contains("run:");
    }

    @Test
    void duplicateServiceNamesAreRefused() {
        Problem p = only(loadFails("app: a\nservices:\n  - {name: web, image: x}\n  - {name: web, image: y}\n"));

        assertThat(p.where()).endsWith("slipway.yaml:4");
        assertThat(p.what()).contains("service 'web' is declared twice");
    }

    @Test
    void everyProblemInTheFileIsReportedAtOnce() {
        InvalidInputException e = loadFails("""
                app: a
                manifests: kubernetes/
                routeTimeout: soon
                environments:
                  prod: {grup: x}
                """);

        assertThat(e.problems()).hasSize(2);
        assertThat(e.getMessage()).contains("slipway.yaml:3").contains("slipway.yaml:5");
    }

    @Test
    void missingManifestsFolderIsNamed() {
        Problem p = only(loadFails("app: a\nmanifests: k8s/\n"));

        assertThat(p.what()).startsWith("manifests: folder 'k8s/' does not exist");
    }

    @Test
    void manifestsFolderOutsideTheAppIsRefused() {
        Problem p = only(loadFails("app: a\nmanifests: ../elsewhere\n"));

        assertThat(p.what()).isEqualTo("manifests: '../elsewhere' points outside the app directory");
    }

    @Test
    void specWithNothingToDeployIsRefused() {
        Problem p = only(loadFails("app: a\n"));

        assertThat(p.what()).contains("nothing to deploy");
        assertThat(p.fix()).contains("manifests: kubernetes/");
    }

    @Test
    void yamlSyntaxErrorPointsAtTheLine() {
        Problem p = only(loadFails("app: a\nmanifests: kubernetes/\nenvironments:\n  prod: {group: x\n"));

        assertThat(p.where()).matches(".*slipway.yaml:\\d+");
        assertThat(p.what()).startsWith("invalid YAML:");
    }

    @Test
    void duplicateKeysAreRefusedWithBothLines() {
        Problem p = only(loadFails("app: a\nmanifests: kubernetes/\napp: b\n"));

        assertThat(p.where()).endsWith("slipway.yaml:3");
        assertThat(p.what()).isEqualTo("duplicate key 'app' (first at line 1)");
    }

    @Test
    void appWithoutSpecIsNamedAfterItsDirectoryAndReadsEveryYamlFile() {
        Path app = TestApps.write(
                dir.resolve("billing"),
                Map.of(
                        "config.yaml", CONFIGMAP,
                        "deep/er/secret.yml", "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\n",
                        ".github/workflows/ci.yaml", "on: push\n",
                        "README.md", "# not yaml"));

        App loaded = AppLoader.load(app);

        assertThat(loaded.spec().app()).isEqualTo("billing");
        assertThat(loaded.spec().environments()).isEmpty();
        assertThat(loaded.manifests()).extracting(m -> m.ref().name()).containsExactly("settings", "creds");
    }

    @Test
    void appWithoutSpecOrYamlIsRefusedWithAHint() {
        Path app = TestApps.write(dir.resolve("empty"), Map.of("README.md", "hi"));

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(app));

        assertThat(only(e).what()).isEqualTo("no slipway.yaml and no Kubernetes YAML (.yaml/.yml) in this directory");
        assertThat(only(e).fix()).contains("slipway init");
    }

    @Test
    void appWithoutSpecInABadlyNamedDirectoryIsToldToAddASpec() {
        Path app = TestApps.write(dir.resolve("My_App"), Map.of("x.yaml", CONFIGMAP));

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(app));

        assertThat(only(e).fix()).contains("app: my-app");
    }

    @Test
    void missingDirectoryIsReported() {
        InvalidInputException e =
                catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(dir.resolve("nope")));

        assertThat(only(e).what()).isEqualTo("no such directory");
    }

    @Test
    void generatedObjectsMayNotClashWithManifests() {
        TestApps.write(
                dir,
                Map.of(
                        "slipway.yaml", "app: a\nmanifests: k\nservices:\n  - {name: web, image: x}\n",
                        "k/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"));

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(dir));

        assertThat(only(e).what()).startsWith("Service 'web' clashes with the one Slipway generates for service 'web'");
    }

    @Test
    void specErrorsAreReportedBeforeManifestErrors() {
        TestApps.write(dir, Map.of("slipway.yaml", "app: a\nmanifests: k\nbogus: 1\n", "k/x.yaml", "kind: [\n"));

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> AppLoader.load(dir));

        assertThat(e.problems()).extracting(Problem::what).containsExactly("bogus: unknown field");
        assertThat(List.of(e.getMessage())).noneMatch(m -> m.contains("x.yaml"));
    }
}
