package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster-facing commands end to end: the real CLI, the real kube backend and kubeconfig, three
 * simulated clusters (east-1, east-2, west-1) and examples/acme-web. Each test deploys into its own
 * namespace-distinct copy of the app, so tests do not see each other's revisions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeployCommandsTest {
    private static final Path EXAMPLES =
            Path.of("..").toAbsolutePath().normalize().resolve("examples");
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestClusters clusters;

    @TempDir
    Path tmp;

    private CliRun cli;
    private Path app;
    private String namespace;
    private static int counter;

    @BeforeAll
    void startClusters() {
        clusters = TestClusters.start("east-1", "east-2", "west-1");
    }

    @AfterAll
    void stopClusters() {
        clusters.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        namespace = "acme-web-t" + (++counter);
        app = tmp.resolve("acme-web");
        copyTree(EXAMPLES.resolve("acme-web"), app);
        // Its own namespace per test; the rest of the app is the example, untouched.
        Files.writeString(
                app.resolve("slipway.yaml"),
                Files.readString(app.resolve("slipway.yaml"))
                        .replace("namespace: acme-web}", "namespace: " + namespace + "}"));
        cli = new CliRun(tmp.resolve("home"), tmp)
                .env("KUBECONFIG", clusters.kubeconfig().toString())
                .env("SLIPWAY_CLUSTERS", EXAMPLES.resolve("clusters.yaml").toString())
                .env("USER", "alice");
        clusters.all().forEach(MockCluster::clearWrites);
    }

    @Test
    void planShowsEveryObjectAsACreateAndWritesNothing() throws Exception {
        var result = cli.run("plan", app.toString(), "--env", "production", "--output", "json");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode plan = JSON.readTree(result.out());
        assertThat(plan.get("clusters")).hasSize(3);
        // Cluster-scoped objects (the CRD, ClusterRole and binding) may exist from other tests' deploys;
        // everything in the fresh namespace is a create.
        assertThat(plan.at("/clusters/0/summary/create").asInt()).isGreaterThanOrEqualTo(50);
        assertThat(declared(plan.at("/clusters/0/summary"))).isEqualTo(53);
        assertThat(declared(plan.at("/clusters/2/summary"))).isEqualTo(52);
        assertThat(plan.at("/clusters/0/namespaceExists").asBoolean()).isFalse();
        assertThat(totalWrites()).isZero();
    }

    @Test
    void aFrozenEnvironmentRefusesDeploysFromThisMachineUntilUnfrozenExceptOneOverride() {
        var freeze = cli.run(
                "freeze",
                "acme-web",
                "--env",
                "production",
                "--for",
                "2h",
                "--reason",
                "release week",
                "--app-dir",
                app.toString());
        assertThat(freeze.exitCode()).as(freeze.toString()).isZero();
        assertThat(freeze.out())
                .contains("production is frozen by alice until ")
                .contains(": release week (on east-1, east-2, west-1)");
        clusters.all().forEach(MockCluster::clearWrites);

        var refused = deploy("--ref", "v1");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.err())
                .contains("production is frozen by alice until")
                .contains("release week")
                .contains("--override-freeze REASON");
        assertThat(totalWrites()).as("nothing written anywhere").isZero();

        var overridden = deploy("--ref", "v1", "--override-freeze", "CVE fix");
        assertThat(overridden.exitCode()).as(overridden.toString()).isZero();

        var past = cli.run(
                "freeze",
                "acme-web",
                "--env",
                "production",
                "--until",
                "2020-01-01T00:00:00Z",
                "--reason",
                "x",
                "--app-dir",
                app.toString());
        assertThat(past.exitCode()).isNotZero();
        assertThat(past.err()).contains("--until 2020-01-01T00:00:00Z").contains("is not in the future");

        var unfreeze = cli.run("unfreeze", "acme-web", "--env", "production", "--app-dir", app.toString());
        assertThat(unfreeze.exitCode()).as(unfreeze.toString()).isZero();
        assertThat(unfreeze.out()).contains("production is no longer frozen");
        assertThat(deploy("--ref", "v1").exitCode()).isZero();
    }

    @Test
    void anEnvironmentFrozenForEveryAppAndARecurringWindowRefuseDeploysUntilLiftedOrCleared() throws Exception {
        try {
            var noApp = cli.run("freeze", "--env", "production", "--reason", "x");
            assertThat(noApp.exitCode()).isNotZero();
            assertThat(noApp.err()).contains("no app named").contains("--all-apps");

            var everyApp = cli.run(
                    "freeze", "--env", "production", "--all-apps", "--for", "1h", "--reason", "datacenter move");
            assertThat(everyApp.exitCode()).as(everyApp.toString()).isZero();
            assertThat(everyApp.out()).contains("for every app (on east-1, east-2, west-1)");
            clusters.all().forEach(MockCluster::clearWrites);
            var refused = deploy("--ref", "v1");
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.err())
                    .contains("datacenter move")
                    .contains("slipway unfreeze --env production --all-apps");
            assertThat(totalWrites()).isZero();
            var lifted = cli.run("unfreeze", "--env", "production", "--all-apps");
            assertThat(lifted.exitCode()).as(lifted.toString()).isZero();
            assertThat(lifted.out()).contains("production is no longer frozen for every app");
            clusters.all().forEach(MockCluster::clearWrites);

            Path bad = tmp.resolve("bad-windows.yaml");
            Files.writeString(
                    bad,
                    "windows:\n  - name: nightly\n    environments: [production]\n    cron: \"0 25 * * *\"\n"
                            + "    duration: 1h\n    timeZone: Europe/Berlin\n    reason: backups\n");
            var refusedFile = cli.run("freeze-windows", "set", bad.toString());
            assertThat(refusedFile.exitCode()).isNotZero();
            assertThat(refusedFile.err()).contains("bad-windows.yaml:4");
            assertThat(totalWrites()).as("a bad file is kept nowhere").isZero();

            // Every minute starts an hour-long window: one holds now, whatever the time.
            Path windows = tmp.resolve("windows.yaml");
            Files.writeString(
                    windows,
                    "windows:\n  - name: always\n    environments: [production]\n"
                            + "    cron: \"* * * * *\"\n    duration: 1h\n    timeZone: UTC\n    reason: change review\n");
            var set = cli.run("freeze-windows", "set", windows.toString());
            assertThat(set.exitCode()).as(set.toString()).isZero();
            assertThat(set.out()).contains("1 freeze window(s) kept (on east-1, east-2, west-1)");
            var show = cli.run("freeze-windows", "show", "--env", "production");
            assertThat(show.out()).contains("always (production)").contains("HOLDS NOW until");
            var inWindow = deploy("--ref", "v1");
            assertThat(inWindow.exitCode()).isNotZero();
            assertThat(inWindow.err()).contains("frozen by window always").contains("change review");
            assertThat(deploy("--ref", "v1", "--override-freeze", "hotfix").exitCode())
                    .isZero();
            var cleared = cli.run("freeze-windows", "clear");
            assertThat(cleared.exitCode()).as(cleared.toString()).isZero();
            assertThat(cli.run("freeze-windows", "show").out()).contains("east-1: no freeze windows");
            assertThat(deploy("--ref", "v1").exitCode()).isZero();
        } finally {
            cli.run("unfreeze", "--env", "production", "--all-apps");
            cli.run("freeze-windows", "clear");
        }
    }

    @Test
    void deployReachesAllThreeClustersAndARedeployWritesNothing() {
        var first = deploy("--ref", "v1");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("east-1: ✓ deployed revision 1").contains("west-1: ✓ deployed revision 1");
        for (String c : List.of("east-1", "east-2", "west-1")) {
            assertThat(client(c)
                            .apps()
                            .deployments()
                            .inNamespace(namespace)
                            .list()
                            .getItems())
                    .hasSize(6);
        }

        clusters.all().forEach(MockCluster::clearWrites);
        var again = deploy("--ref", "v1");

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("Up to date");
        assertThat(totalWrites()).isZero();
    }

    @Test
    void overridesAndClusterSelectionLandPerCluster() {
        assertThat(deploy().exitCode()).isZero();

        assertThat(configMap("west-1", "web-config").getData()).containsEntry("REGION", "us-west-1");
        assertThat(configMap("east-2", "web-config").getData()).containsEntry("REGION", "us-east-2");
        // web is autoscaled: Slipway leaves its replicas to the HorizontalPodAutoscaler, whose floor differs.
        assertThat(deployment("west-1", "web").getSpec().getReplicas()).isNull();
        assertThat(autoscalerFloor("west-1", "web")).isEqualTo(6);
        assertThat(autoscalerFloor("east-1", "web")).isEqualTo(3);
        assertThat(client("east-1")
                        .batch()
                        .v1()
                        .cronjobs()
                        .inNamespace(namespace)
                        .withName("report-export")
                        .get())
                .isNotNull();
        assertThat(client("west-1")
                        .batch()
                        .v1()
                        .cronjobs()
                        .inNamespace(namespace)
                        .withName("report-export")
                        .get())
                .isNull();
        assertThat(deployment("east-1", "web").getMetadata().getAnnotations())
                .doesNotContainKey("slipway.dev/override.west-1");
    }

    @Test
    void statusAndHistoryReportTheDeployedRevisionAsJson() throws Exception {
        assertThat(deploy("--ref", "abc123").exitCode()).isZero();

        var status = cli.run("status", "acme-web", "--env", "production", "--app-dir", app.toString(), "-o", "json");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        JsonNode s = JSON.readTree(status.out());
        assertThat(s.get("healthy").asBoolean()).isTrue();
        assertThat(s.at("/clusters/1/revision/ref").asText()).isEqualTo("abc123");
        assertThat(s.at("/clusters/1/revision/who").asText()).isEqualTo("alice");
        assertThat(s.at("/clusters/0/objects").size()).isEqualTo(53);

        var history = cli.run("history", "acme-web", "--env", "production", "--app-dir", app.toString(), "-o", "json");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        JsonNode h = JSON.readTree(history.out());
        assertThat(h.at("/clusters/2/revisions/0/number").asInt()).isEqualTo(1);
        assertThat(h.at("/clusters/2/revisions/0/outcome").asText()).isEqualTo("succeeded");
    }

    @Test
    void aScaleByHandShowsAsDriftInPlanAndStatusAndDeployRepairsIt() throws Exception {
        assertThat(deploy("--ref", "v1").exitCode()).isZero();
        clusters.cluster("east-2")
                .clientAs("kubectl-scale")
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName("cache")
                .edit(d -> new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder(d)
                        .editSpec()
                        .withReplicas(4)
                        .endSpec()
                        .build());

        var plan = cli.run("plan", app.toString(), "--env", "production");
        var status = cli.run("status", "acme-web", "--env", "production", "--app-dir", app.toString());

        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.out())
                .contains("~ Deployment.apps/cache (drifted: .spec.replicas (kubectl-scale))")
                .contains("-  replicas: 4", "+  replicas: 1")
                .contains("0 to create, 0 to update, 1 drifted, 0 to delete, 51 unchanged");
        assertThat(status.out())
                .contains("1 drifted")
                .contains("drifted  Deployment.apps/cache: .spec.replicas (kubectl-scale)");

        assertThat(deploy("--ref", "v1").exitCode()).isZero();

        assertThat(deployment("east-2", "cache").getSpec().getReplicas()).isEqualTo(1);
        assertThat(cli.run("status", "acme-web", "--env", "production", "--app-dir", app.toString())
                        .out())
                .doesNotContain("drifted");
    }

    @Test
    void changedManifestShowsAsADiffAndRollbackRestoresThePreviousRevision() throws Exception {
        assertThat(deploy("--ref", "v1").exitCode()).isZero();
        Path configs = app.resolve("kubernetes/config/configmaps.yaml");
        Files.writeString(configs, Files.readString(configs).replace("SESSION_TTL: 30m", "SESSION_TTL: 45m"));

        var plan = cli.run("plan", app.toString(), "--env", "production");
        assertThat(plan.out()).contains("~ ConfigMap/web-config (update)").contains("+  SESSION_TTL: 45m");
        assertThat(plan.out()).contains("1 to update, 0 to delete, 52 unchanged");

        assertThat(deploy("--ref", "v2").exitCode()).isZero();
        assertThat(configMap("east-1", "web-config").getData()).containsEntry("SESSION_TTL", "45m");

        var rollback = cli.run("rollback", "acme-web", "--env", "production", "--app-dir", app.toString());
        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        assertThat(configMap("west-1", "web-config").getData()).containsEntry("SESSION_TTL", "30m");

        JsonNode h = JSON.readTree(
                cli.run("history", "acme-web", "--env", "production", "--app-dir", app.toString(), "-o", "json")
                        .out());
        assertThat(h.at("/clusters/0/revisions/0/number").asInt()).isEqualTo(3);
        assertThat(h.at("/clusters/0/revisions/0/rollbackOf").asInt()).isEqualTo(1);
        String v1 = h.at("/clusters/0/revisions/2/release").asText();
        assertThat(v1).matches("[0-9a-f]{12}");
        assertThat(h.at("/clusters/0/revisions/0/release").asText()).isEqualTo(v1);
        assertThat(h.at("/clusters/0/revisions/0/ref").asText()).isEqualTo("v1");
        assertThat(rollback.out())
                .contains("east-1: revision 2 (release ")
                .contains(", ref v2) → revision 1 (release " + v1 + ", ref v1)")
                .endsWith("Rolled back acme-web in production to release " + v1 + "." + System.lineSeparator());
    }

    @Test
    void rollbackAfterAHaltedDeployShowsOneReleasePerClusterAndLeavesTheUntouchedClusterAlone() throws Exception {
        assertThat(deploy("--ref", "v1").exitCode()).isZero();
        Path configs = app.resolve("kubernetes/config/configmaps.yaml");
        Files.writeString(configs, Files.readString(configs).replace("LOG_LEVEL: info", "LOG_LEVEL: debug"));
        Path web = app.resolve("kubernetes/web/deployment.yaml");
        Files.writeString(
                web,
                Files.readString(web)
                        .replace(
                                "  annotations:\n",
                                "  annotations:\n    slipway.dev/override.east-2: "
                                        + "'{spec: {template: {metadata: {annotations: {testkit.slipway.dev/outcome: fail}}}}}'\n"));
        // A new pod template on east-2 only, which the stand-in controller fails.
        assertThat(deploy("--ref", "v2", "--timeout", "30s").exitCode()).isEqualTo(1);
        clusters.all().forEach(MockCluster::clearWrites);

        var rollback = cli.run("rollback", "acme-web", "--env", "production", "--app-dir", app.toString());

        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        String history = cli.run("history", "acme-web", "--env", "production", "--app-dir", app.toString())
                .out();
        java.util.regex.Matcher release = java.util.regex.Pattern.compile("release ([0-9a-f]{12})  ref v1")
                .matcher(history);
        assertThat(release.find()).as(history).isTrue();
        String v1 = release.group(1);
        String out = rollback.out();
        assertThat(out)
                .contains("Target: release " + v1 + " on every cluster")
                .contains("east-2: revision 2 (release ")
                .contains(", ref v2, failed) → revision 1 (release " + v1 + ", ref v1)")
                .contains("west-1: revision 1 (release " + v1 + ", ref v1) → already at release " + v1)
                .endsWith("Rolled back acme-web in production to release " + v1 + "." + System.lineSeparator());
        assertThat(out.indexOf("west-1: revision 1"))
                .as("the targets come before the first write")
                .isLessThan(out.indexOf("east-1: ~ ConfigMap/api-config"));
        assertThat(clusters.cluster("west-1").writes()).isEmpty();
        for (String cluster : List.of("east-1", "east-2", "west-1")) {
            assertThat(configMap(cluster, "api-config").getData()).as(cluster).containsEntry("LOG_LEVEL", "info");
        }
        String status = cli.run("status", "acme-web", "--env", "production", "--app-dir", app.toString())
                .out();
        assertThat(status.lines().filter(l -> l.contains(", release " + v1 + ", ref v1)")))
                .as(status)
                .hasSize(3);
    }

    @Test
    void rollbackToSomethingThatIsNeitherARevisionNorAReleaseIsAUsageError() {
        var result = cli.run("rollback", "acme-web", "--env", "production", "--app-dir", app.toString(), "--to", "v1");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--to must be a revision number or a release id");
        assertThat(totalWrites()).isZero();
    }

    @Test
    void aLockKeptByADeployThatDiedIsNamedWithItsUserAndMachine() throws Exception {
        assertThat(deploy().exitCode()).isZero();
        Path configs = app.resolve("kubernetes/config/configmaps.yaml");
        Files.writeString(configs, Files.readString(configs).replace("LOG_LEVEL: info", "LOG_LEVEL: debug"));
        // The lock is taken (write 1), then every write fails: not even a failed revision can be recorded.
        MockCluster east = clusters.cluster("east-1");
        east.failWritesFrom(2);
        try {
            assertThat(cli.env("SLIPWAY_HOST", "ci-runner-7")
                            .run("deploy", app.toString(), "--env", "production")
                            .exitCode())
                    .isEqualTo(1);
        } finally {
            east.healWrites();
        }

        var result = deploy();

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .contains("cluster east-1")
                .contains("another deploy holds the lock: alice@ci-runner-7");
    }

    @Test
    void aFailingClusterHaltsTheGroupAndLeavesLaterClustersUntouched() throws Exception {
        Path web = app.resolve("kubernetes/web/deployment.yaml");
        Files.writeString(
                web,
                Files.readString(web)
                        .replace(
                                "  annotations:\n",
                                "  annotations:\n    slipway.dev/override.east-2: "
                                        + "'{metadata: {annotations: {testkit.slipway.dev/outcome: fail}}}'\n"));

        var result = deploy("--timeout", "30s");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("cluster east-2").contains("Deployment.apps/web");
        assertThat(result.err()).contains("1 later cluster(s) were not touched");
        assertThat(client("east-1")
                        .apps()
                        .deployments()
                        .inNamespace(namespace)
                        .withName("web")
                        .get())
                .isNotNull();
        assertThat(clusters.cluster("west-1").writes()).isEmpty();
    }

    @Test
    void badInputIsOneClearMessageAndTouchesNoCluster() throws Exception {
        Files.writeString(
                app.resolve("kubernetes/web/duplicate.yaml"),
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n");

        var result = deploy();

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .contains("duplicate.yaml")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(totalWrites()).isZero();
    }

    @Test
    void unknownEnvironmentTouchesNoCluster() {
        var result = cli.run("deploy", app.toString(), "--env", "prod");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("unknown environment 'prod'");
        assertThat(totalWrites()).isZero();
    }

    @Test
    void unknownKubeconfigContextIsReportedPerClusterWithoutWrites() throws Exception {
        Path clustersFile = tmp.resolve("clusters.yaml");
        Files.writeString(
                clustersFile,
                Files.readString(EXAMPLES.resolve("clusters.yaml")).replace("context: west-1", "context: west-9"));

        var result = deploy("--clusters", clustersFile.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("cluster west-1").contains("west-9").contains("Nothing was changed");
        assertThat(totalWrites()).isZero();
    }

    @Test
    void aDeployHoldingTheLockIsNamedAndNothingIsWritten() throws Exception {
        assertThat(deploy().exitCode()).isZero();
        Path configs = app.resolve("kubernetes/config/configmaps.yaml");
        Files.writeString(configs, Files.readString(configs).replace("LOG_LEVEL: info", "LOG_LEVEL: debug"));
        java.time.ZonedDateTime now = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
        client("east-1")
                .leases()
                .inNamespace(namespace)
                .resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                        .withNewMetadata()
                        .withName("slipway-lock.acme-web.production")
                        .withNamespace(namespace)
                        .endMetadata()
                        .withNewSpec()
                        .withHolderIdentity("bob")
                        .withAcquireTime(now)
                        .withRenewTime(now)
                        .withLeaseDurationSeconds(600)
                        .endSpec()
                        .build())
                .create();
        clusters.all().forEach(MockCluster::clearWrites);

        var result = deploy();

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("cluster east-1").contains("bob");
        assertThat(totalWrites()).isZero();
        assertThat(configMap("east-1", "api-config").getData()).containsEntry("LOG_LEVEL", "info");
    }

    @Test
    void expiredCredentialsOnOneClusterStopTheDeployBeforeAnyWrite() {
        clusters.cluster("west-1").rejectCredentials(true);
        try {
            var result = deploy();

            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.err())
                    .contains("cluster west-1")
                    .contains("credentials")
                    .contains("Nothing was changed");
            assertThat(totalWrites()).isZero();
        } finally {
            clusters.cluster("west-1").rejectCredentials(false);
        }
    }

    @Test
    void missingSecretNamesTheServiceAndPositionButNotTheSecret() throws Exception {
        Path predict = tmp.resolve("shop");
        Files.createDirectories(predict);
        Files.writeString(
                predict.resolve("slipway.yaml"),
                "app: shop\nenvironments:\n  production: {group: production, namespace: shop-" + counter + "}\n"
                        + "services:\n  - name: api\n    image: ghcr.io/acme/shop:1.0\n    port: 8080\n"
                        + "    health: /healthz\n    secrets: [STRIPE_KEY, DATABASE_PASSWORD]\n");
        cli.stdin("sk_live_123").run("secret", "set", "shop", "STRIPE_KEY");

        var missing = cli.run("deploy", predict.toString(), "--env", "production");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("service 'api'").contains("#2").doesNotContain("DATABASE_PASSWORD");
        assertThat(totalWrites()).isZero();

        cli.stdin("pg-pass").run("secret", "set", "shop", "DATABASE_PASSWORD");
        var deployed = cli.run("deploy", predict.toString(), "--env", "production", "--timeout", "30s");
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        assertThat(deployed.out()).doesNotContain("DATABASE_PASSWORD").doesNotContain("pg-pass");
        Secret secret = client("east-1")
                .secrets()
                .inNamespace("shop-" + counter)
                .withName("api-secrets")
                .get();
        assertThat(new String(
                        Base64.getDecoder().decode(secret.getData().get("DATABASE_PASSWORD")), StandardCharsets.UTF_8))
                .isEqualTo("pg-pass");

        cli.stdin("pg-pass-2").run("secret", "set", "shop", "DATABASE_PASSWORD");
        var plan = cli.run("plan", predict.toString(), "--env", "production");
        assertThat(plan.out())
                .contains("(secret, changed)")
                .doesNotContain("api-secrets")
                .doesNotContain("pg-pass");
    }

    private static int declared(JsonNode summary) {
        return summary.get("create").asInt()
                + summary.get("update").asInt()
                + summary.get("unchanged").asInt();
    }

    private CliRun.Result deploy(String... extra) {
        String[] args = new String[4 + extra.length];
        args[0] = "deploy";
        args[1] = app.toString();
        args[2] = "--env";
        args[3] = "production";
        System.arraycopy(extra, 0, args, 4, extra.length);
        return cli.run(args);
    }

    private io.fabric8.kubernetes.client.KubernetesClient client(String cluster) {
        return clusters.cluster(cluster).client();
    }

    private ConfigMap configMap(String cluster, String name) {
        return client(cluster)
                .configMaps()
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    private Deployment deployment(String cluster, String name) {
        return client(cluster)
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    private int autoscalerFloor(String cluster, String name) {
        return client(cluster)
                .autoscaling()
                .v2()
                .horizontalPodAutoscalers()
                .inNamespace(namespace)
                .withName(name)
                .get()
                .getSpec()
                .getMinReplicas();
    }

    private int totalWrites() {
        return clusters.all().stream().mapToInt(c -> c.writes().size()).sum();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
