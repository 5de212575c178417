package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.ClusterTarget;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.LockGrant;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.core.deploy.RollbackTo;
import dev.slipway.core.plan.ChangeAction;
import dev.slipway.core.plan.Plan;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.revision.RevisionSummary;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/** Deploys through the real fabric8 backend to three simulated clusters that behave. */
class DeployToClusterGroupTest {
    static TestClusters clusters;
    static KubeClusterTargets targets;
    static MutableClock clock = MutableClock.of(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
    static DeployEngine engine;

    @TempDir
    Path root;

    @BeforeAll
    static void startClusters() {
        clusters = TestClusters.start("east-1", "west-1", "west-2");
        targets = KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig()));
        engine = new DeployEngine(targets, clock);
    }

    @AfterAll
    static void stopClusters() {
        clusters.close();
    }

    static DeployOptions options() {
        return DeployOptions.by("alice").withRef("main").withTimeout(Duration.ofSeconds(20));
    }

    static DeployReport deploy(Rendering rendering) {
        return engine.deploy(rendering, options(), DeployListener.NONE);
    }

    @Test
    void deploysEveryClusterOfTheGroupAndRecordsRevisionOne() {
        TestApp app = new TestApp(root, "shop")
                .manifest("web.yaml", TestApp.deployment("web", 2, "shop/web:1") + "---\n" + TestApp.service("web"))
                .manifest("config.yaml", TestApp.configMap("settings", "a"));
        Rendering rendering = app.render(clusters, false);
        List<ObjectHealth> progress = new CopyOnWriteArrayList<>();

        DeployReport report = engine.deploy(rendering, options(), new DeployListener() {
            @Override
            public void health(String cluster, ObjectHealth health) {
                progress.add(health);
            }
        });

        assertThat(report.problems()).isEmpty();
        assertThat(report.clusters()).extracting(ClusterResult::outcome).containsOnly(ClusterResult.Outcome.DEPLOYED);
        for (MockCluster cluster : clusters.all()) {
            var deployment = cluster.client()
                    .apps()
                    .deployments()
                    .inNamespace("shop")
                    .withName("web")
                    .get();
            assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
            assertThat(deployment.getMetadata().getLabels()).containsEntry("slipway.dev/app", "shop");
            assertThat(deployment.getMetadata().getManagedFields()).anySatisfy(m -> {
                assertThat(m.getManager()).isEqualTo("slipway");
                assertThat(m.getOperation()).isEqualTo("Apply");
            });
            assertThat(cluster.client()
                            .configMaps()
                            .inNamespace("shop")
                            .withName("settings")
                            .get()
                            .getData())
                    .containsEntry("value", "a");
        }
        assertThat(progress).anySatisfy(h -> assertThat(h.message()).isEqualTo("2/2 replicas available"));
        assertThat(engine.history(EnvironmentTarget.of(rendering)))
                .allSatisfy(h -> assertThat(h.revisions()).singleElement().satisfies(r -> {
                    assertThat(r.number()).isEqualTo(1);
                    assertThat(r.ref()).isEqualTo("main");
                    assertThat(r.who()).isEqualTo("alice");
                    assertThat(r.objectCount()).isEqualTo(3);
                }));
    }

    @Test
    void redeployWithNoChangeWritesNothing() {
        TestApp app = new TestApp(root, "quiet")
                .manifest("web.yaml", TestApp.deployment("web", 1, "quiet/web:1") + "---\n" + TestApp.service("web"));
        assertThat(deploy(app.render(clusters, false)).succeeded()).isTrue();
        clusters.all().forEach(MockCluster::clearWrites);

        DeployReport again = deploy(app.render(clusters, false));

        assertThat(again.unchanged()).isTrue();
        for (MockCluster cluster : clusters.all()) {
            assertThat(cluster.writes()).as("writes to %s", cluster.name()).isEmpty();
        }
        assertThat(engine.history(EnvironmentTarget.of(app.render(clusters, false))))
                .allSatisfy(h -> assertThat(h.revisions()).hasSize(1));
    }

    @Test
    void overridesPerClusterAreVisibleInEachCluster() {
        String deployment = TestApp.deployment("api", 2, "acme/api:1")
                .replace(
                        "  name: api\n",
                        "  name: api\n  annotations:\n    slipway.dev/override.west-1: '{\"spec\":{\"replicas\":5}}'\n");
        TestApp app = new TestApp(root, "tuned").manifest("api.yaml", deployment);

        assertThat(deploy(app.render(clusters, false)).succeeded()).isTrue();

        assertThat(replicas("east-1", "tuned", "api")).isEqualTo(2);
        assertThat(replicas("west-1", "tuned", "api")).isEqualTo(5);
        assertThat(replicas("west-2", "tuned", "api")).isEqualTo(2);
        var live = clusters.cluster("west-1")
                .client()
                .apps()
                .deployments()
                .inNamespace("tuned")
                .withName("api")
                .get();
        assertThat(live.getMetadata().getAnnotations()).doesNotContainKey("slipway.dev/override.west-1");
    }

    @Test
    void pruneDeletesObjectsTheAppNoLongerDeclaresButNeverUnlabelledOnes() {
        TestApp app = new TestApp(root, "tidy")
                .manifest("a.yaml", TestApp.configMap("old-a", "1"))
                .manifest("b.yaml", TestApp.configMap("old-b", "1"))
                .manifest("keep.yaml", TestApp.configMap("keep", "1"));
        assertThat(deploy(app.render(clusters, false)).succeeded()).isTrue();
        MockCluster east = clusters.cluster("east-1");
        // Someone took old-b over by hand (ownership labels removed) and created their own object.
        east.client()
                .configMaps()
                .inNamespace("tidy")
                .withName("old-b")
                .edit(cm -> new ConfigMapBuilder(cm)
                        .editMetadata()
                        .removeFromLabels("slipway.dev/app")
                        .endMetadata()
                        .build());
        east.client()
                .configMaps()
                .inNamespace("tidy")
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("by-hand")
                        .endMetadata()
                        .build())
                .create();

        Rendering trimmed = app.without("a.yaml").without("b.yaml").render(clusters, false);
        Plan plan = engine.plan(trimmed);
        DeployReport report = deploy(trimmed);

        assertThat(plan.clusters().get(0).changes())
                .filteredOn(c -> c.action() == ChangeAction.DELETE)
                .extracting(c -> c.ref().name())
                .containsExactly("old-a");
        assertThat(report.succeeded()).isTrue();
        var configMaps = east.client().configMaps().inNamespace("tidy");
        assertThat(configMaps.withName("old-a").get()).isNull();
        assertThat(configMaps.withName("old-b").get()).isNotNull();
        assertThat(configMaps.withName("by-hand").get()).isNotNull();
        assertThat(configMaps.withName("keep").get()).isNotNull();
        assertThat(clusters.cluster("west-2")
                        .client()
                        .configMaps()
                        .inNamespace("tidy")
                        .withName("old-b")
                        .get())
                .isNull();
    }

    @Test
    void planShowsADiffForUpdatesAndHidesSecretContents() {
        String secret = """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: db-password
                stringData:
                  password: hunter2
                """;
        TestApp app = new TestApp(root, "planned")
                .manifest("config.yaml", TestApp.configMap("settings", "blue"))
                .manifest("secret.yaml", secret);
        assertThat(deploy(app.render(clusters, false)).succeeded()).isTrue();

        Plan plan = engine.plan(app.manifest("config.yaml", TestApp.configMap("settings", "green"))
                .manifest("secret.yaml", secret.replace("hunter2", "correct-horse"))
                .render(clusters, false));

        var east = plan.clusters().get(0);
        assertThat(east.changes())
                .filteredOn(c -> c.action() == ChangeAction.UPDATE)
                .extracting(PlannedChange::headline)
                .containsExactlyInAnyOrder("~ ConfigMap/settings (update)", "~ Secret (secret, changed)");
        String text = plan.describe(false);
        assertThat(text).contains("-  value: blue", "+  value: green");
        assertThat(text).doesNotContain("hunter2", "correct-horse", "db-password");
        assertThat(plan.describe(true)).contains("\u001b[32m+  value: green");
    }

    @Test
    void rollbackReappliesTheRecordedRevisionAsANewRevision() {
        TestApp app = new TestApp(root, "undo").manifest("config.yaml", TestApp.configMap("settings", "v1"));
        assertThat(deploy(app.render(clusters, false)).succeeded()).isTrue();
        Rendering second = app.manifest("config.yaml", TestApp.configMap("settings", "v2"))
                .manifest("extra.yaml", TestApp.configMap("extra", "x"))
                .render(clusters, false);
        assertThat(deploy(second).succeeded()).isTrue();

        DeployReport rollback =
                engine.rollback(EnvironmentTarget.of(second), RollbackTo.previous(), options(), DeployListener.NONE);

        assertThat(rollback.problems()).isEmpty();
        for (MockCluster cluster : clusters.all()) {
            var configMaps = cluster.client().configMaps().inNamespace("undo");
            assertThat(configMaps.withName("settings").get().getData()).containsEntry("value", "v1");
            assertThat(configMaps.withName("extra").get())
                    .as("pruned on rollback")
                    .isNull();
        }
        assertThat(engine.history(EnvironmentTarget.of(second))).allSatisfy(h -> {
            RevisionSummary newest = h.revisions().get(0);
            assertThat(newest.number()).isEqualTo(3);
            assertThat(newest.rollbackOf()).hasValue(1);
        });
    }

    @Test
    void rollbackToARevisionNoClusterHoldsTouchesNothing() {
        TestApp app = new TestApp(root, "norev").manifest("config.yaml", TestApp.configMap("settings", "v1"));
        Rendering rendering = app.render(clusters, false);
        assertThat(deploy(rendering).succeeded()).isTrue();
        clusters.all().forEach(MockCluster::clearWrites);

        DeployReport rollback = engine.rollback(
                EnvironmentTarget.of(rendering), RollbackTo.revision(7), options(), DeployListener.NONE);

        assertThat(rollback.succeeded()).isFalse();
        assertThat(rollback.failures())
                .extracting(ClusterFailure::reason)
                .containsOnly(ClusterFailure.Reason.NO_SUCH_REVISION);
        clusters.all().forEach(c -> assertThat(c.writes()).isEmpty());
    }

    @Test
    void aHeldLockRefusesTheDeployNamingTheHolderUntilItExpires() {
        TestApp app = new TestApp(root, "busy").manifest("config.yaml", TestApp.configMap("settings", "v1"));
        Rendering rendering = app.render(clusters, false);
        assertThat(deploy(rendering).succeeded()).isTrue();
        try (ClusterTarget east =
                targets.open(clusters.group("production", false).clusters().get(0))) {
            LockGrant grant = east.lock(
                    EnvironmentTarget.of(rendering).on(), "bob@laptop", clock.instant(), Duration.ofMinutes(10));
            assertThat(grant).isInstanceOf(LockGrant.Acquired.class);
        }
        Rendering changed =
                app.manifest("config.yaml", TestApp.configMap("settings", "v2")).render(clusters, false);

        DeployReport refused = deploy(changed);

        assertThat(refused.succeeded()).isFalse();
        ClusterFailure failure = refused.failures().get(0);
        assertThat(failure.cluster()).isEqualTo("east-1");
        assertThat(failure.reason()).isEqualTo(ClusterFailure.Reason.LOCKED);
        assertThat(failure.message()).contains("bob@laptop", "2026-11-23T10:00:00Z");
        assertThat(refused.cluster("west-1").orElseThrow().outcome()).isEqualTo(ClusterResult.Outcome.NOT_STARTED);

        clock.add(Duration.ofMinutes(11));
        DeployReport afterExpiry = deploy(changed);

        assertThat(afterExpiry.problems()).isEmpty();
        assertThat(clusters.cluster("east-1")
                        .client()
                        .configMaps()
                        .inNamespace("busy")
                        .withName("settings")
                        .get()
                        .getData())
                .containsEntry("value", "v2");
        assertThat(clusters.cluster("east-1")
                        .client()
                        .leases()
                        .inNamespace("busy")
                        .list()
                        .getItems())
                .as("lock released")
                .isEmpty();
    }

    @Test
    void fieldsOwnedByAnotherManagerAreReportedAndOnlyTakenWhenForced() {
        TestApp app = new TestApp(root, "owned").manifest("api.yaml", TestApp.deployment("api", 2, "acme/api:1"));
        assertThat(deploy(app.render(clusters, false)).succeeded()).isTrue();
        clusters.cluster("east-1")
                .client()
                .apps()
                .deployments()
                .inNamespace("owned")
                .resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withName("api")
                        .withNamespace("owned")
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(7)
                        .endSpec()
                        .build())
                .fieldManager("kubectl-edit")
                .forceConflicts()
                .serverSideApply();
        Rendering scaled = app.manifest("api.yaml", TestApp.deployment("api", 3, "acme/api:1"))
                .render(clusters, false);

        DeployReport refused = deploy(scaled);

        assertThat(refused.succeeded()).isFalse();
        ClusterFailure failure = refused.failures().get(0);
        assertThat(failure.reason()).isEqualTo(ClusterFailure.Reason.CONFLICT);
        assertThat(failure.object())
                .hasValueSatisfying(ref -> assertThat(ref.name()).isEqualTo("api"));
        assertThat(failure.message()).contains("kubectl-edit", ".spec.replicas");
        assertThat(replicas("east-1", "owned", "api")).isEqualTo(7);

        DeployReport forced = engine.deploy(scaled, options().withForceConflicts(true), DeployListener.NONE);

        assertThat(forced.problems()).isEmpty();
        assertThat(replicas("east-1", "owned", "api")).isEqualTo(3);
    }

    @Test
    void statusShowsTheCurrentRevisionAndAnObjectDeletedByHandAsMissing() {
        TestApp app = new TestApp(root, "watched")
                .manifest("web.yaml", TestApp.deployment("web", 2, "acme/web:1") + "---\n" + TestApp.service("web"))
                .manifest("config.yaml", TestApp.configMap("settings", "v1"));
        Rendering rendering = app.render(clusters, false);
        assertThat(deploy(rendering).succeeded()).isTrue();
        clusters.cluster("west-2")
                .client()
                .configMaps()
                .inNamespace("watched")
                .withName("settings")
                .delete();

        var status = engine.status(EnvironmentTarget.of(rendering));

        assertThat(status.get(0).healthy())
                .as("east-1 right after its deploy: %s", status.get(0).objects())
                .isTrue();
        assertThat(status.get(0).current())
                .hasValueSatisfying(r -> assertThat(r.number()).isEqualTo(1));
        assertThat(status.get(2).healthy()).isFalse();
        assertThat(status.get(2).objects())
                .filteredOn(o -> o.ref().name().equals("settings"))
                .singleElement()
                .satisfies(o -> assertThat(o.message()).isEqualTo("missing from the cluster"));
    }

    @Test
    void historyKeepsOnlyTheNewestRevisions() {
        TestApp app = new TestApp(root, "trimmed");
        for (int i = 1; i <= 4; i++) {
            Rendering rendering = app.manifest("config.yaml", TestApp.configMap("settings", "v" + i))
                    .render(clusters, false);
            assertThat(engine.deploy(rendering, options().withKeepRevisions(2), DeployListener.NONE)
                            .succeeded())
                    .isTrue();
        }

        var history = engine.history(EnvironmentTarget.of(app.render(clusters, false)));

        assertThat(history)
                .allSatisfy(h -> assertThat(h.revisions())
                        .extracting(RevisionSummary::number)
                        .containsExactly(4, 3));
    }

    static int replicas(String cluster, String namespace, String name) {
        return clusters.cluster(cluster)
                .client()
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName(name)
                .get()
                .getSpec()
                .getReplicas();
    }
}
