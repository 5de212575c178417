package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.RollbackTo;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.revision.RevisionOutcome;
import dev.slipway.core.revision.RevisionSummary;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import dev.slipway.testkit.WorkloadOutcome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees when clusters misbehave: one clear failure, and nothing touched beyond it. */
class DeployFailureTest {
    static TestClusters clusters;
    static DeployEngine engine;

    @TempDir
    Path root;

    @BeforeAll
    static void startClusters() {
        clusters = TestClusters.start("east-1", "west-1", "west-2");
        engine = new DeployEngine(
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())), Clock.systemUTC());
    }

    @AfterAll
    static void stopClusters() {
        clusters.close();
    }

    @AfterEach
    void clustersBehaveAgain() {
        clusters.all().forEach(c -> {
            c.outcomes(WorkloadOutcome.BY_ANNOTATION_OR_IMAGE);
            c.rejectCredentials(false);
            c.healWrites();
        });
    }

    static DeployOptions options() {
        return DeployOptions.by("alice").withTimeout(Duration.ofSeconds(20));
    }

    @Test
    void aFailedRolloutHaltsTheGroupAndLeavesLaterClustersOnTheirPreviousRevision() {
        TestApp app = new TestApp(root, "halt")
                .manifest("web.yaml", TestApp.deployment("web", 2, "acme/web:1"))
                .manifest("config.yaml", TestApp.configMap("settings", "v1"));
        assertThat(engine.deploy(app.render(clusters, false), options(), DeployListener.NONE)
                        .succeeded())
                .isTrue();
        clusters.cluster("west-1").outcomes(o -> WorkloadOutcome.FAIL);
        clusters.cluster("west-2").clearWrites();
        Rendering v2 = app.manifest("web.yaml", TestApp.deployment("web", 2, "acme/web:2"))
                .manifest("config.yaml", TestApp.configMap("settings", "v2"))
                .render(clusters, false);

        DeployReport report = engine.deploy(v2, options(), DeployListener.NONE);

        assertThat(report.succeeded()).isFalse();
        assertThat(report.clusters())
                .extracting(ClusterResult::outcome)
                .containsExactly(
                        ClusterResult.Outcome.DEPLOYED,
                        ClusterResult.Outcome.FAILED,
                        ClusterResult.Outcome.NOT_STARTED);
        ClusterFailure failure = report.failures().get(0);
        assertThat(failure.cluster()).isEqualTo("west-1");
        assertThat(failure.reason()).isEqualTo(ClusterFailure.Reason.UNHEALTHY);
        assertThat(failure.object())
                .hasValueSatisfying(ref -> assertThat(ref.toString()).startsWith("Deployment.apps/web"));
        assertThat(failure.message()).contains("progress deadline");
        assertThat(failure.toProblem().describe()).startsWith("cluster west-1, Deployment.apps/web");
        MockCluster west2 = clusters.cluster("west-2");
        assertThat(west2.writes()).isEmpty();
        assertThat(west2.client()
                        .configMaps()
                        .inNamespace("halt")
                        .withName("settings")
                        .get()
                        .getData())
                .containsEntry("value", "v1");
        var history = engine.history(EnvironmentTarget.of(v2));
        assertThat(history.get(1).revisions().get(0).outcome()).isEqualTo(RevisionOutcome.FAILED);
        assertThat(history.get(2).revisions())
                .extracting(RevisionSummary::number)
                .containsExactly(1);
    }

    @Test
    void aServerErrorMidApplyRecordsAFailedRevisionThatHistoryShowsAndRollbackSkips() {
        TestApp app = new TestApp(root, "partial")
                .manifest("a.yaml", TestApp.configMap("first", "v1"))
                .manifest("b.yaml", TestApp.configMap("second", "v1"))
                .manifest("c.yaml", TestApp.configMap("third", "v1"));
        Rendering v1 = app.render(clusters, false);
        assertThat(engine.deploy(v1, options(), DeployListener.NONE).succeeded())
                .isTrue();
        MockCluster east = clusters.cluster("east-1");
        Rendering v2 = app.manifest("a.yaml", TestApp.configMap("first", "v2"))
                .manifest("b.yaml", TestApp.configMap("second", "v2"))
                .manifest("c.yaml", TestApp.configMap("third", "v2"))
                .render(clusters, false);
        // Write 1 takes the lock; one of the three applies after it fails.
        east.failWrite(3);

        DeployReport report = engine.deploy(v2, options(), DeployListener.NONE);

        assertThat(report.succeeded()).isFalse();
        assertThat(report.failures()).singleElement().satisfies(f -> {
            assertThat(f.cluster()).isEqualTo("east-1");
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.API_ERROR);
            assertThat(f.message()).contains("failed this write");
        });
        var history = engine.history(EnvironmentTarget.of(v2)).get(0).revisions();
        assertThat(history).extracting(RevisionSummary::number).containsExactly(2, 1);
        assertThat(history.get(0).outcome()).isEqualTo(RevisionOutcome.FAILED);
        assertThat(history.get(0).failure()).contains("failed this write");
        assertThat(history.get(0).describe()).contains("failed", "failed this write");
        assertThat(east.client().leases().inNamespace("partial").list().getItems())
                .as("lock released once the failure is recorded")
                .isEmpty();
        // One ConfigMap was refused; the three go in one concurrent batch, so which one is up to timing.
        assertThat(east.client().configMaps().inNamespace("partial").list().getItems())
                .extracting(c -> c.getData().get("value"))
                .contains("v1");

        // The clusters after east-1 were never touched, so revision 1 is the one every cluster holds.
        DeployReport back =
                engine.rollback(EnvironmentTarget.of(v2), RollbackTo.revision(1), options(), DeployListener.NONE);

        assertThat(back.problems()).isEmpty();
        var afterRollback = engine.history(EnvironmentTarget.of(v2));
        assertThat(afterRollback.get(0).revisions().get(0).number()).isEqualTo(3);
        assertThat(afterRollback.get(0).revisions().get(0).rollbackOf()).hasValue(1);
        assertThat(afterRollback.get(1).revisions())
                .as("nothing to roll back where v2 never went")
                .extracting(RevisionSummary::number)
                .containsExactly(1);
        assertThat(east.client().configMaps().inNamespace("partial").list().getItems())
                .extracting(c -> c.getData().get("value"))
                .containsOnly("v1");
    }

    @Test
    void aClusterThatFailsEveryWriteMidApplyKeepsTheLockSoNoOlderPlanRecordsSuccess() {
        TestApp app = new TestApp(root, "stuck")
                .manifest("a.yaml", TestApp.configMap("first", "v1"))
                .manifest("b.yaml", TestApp.configMap("second", "v1"));
        Rendering v1 = app.render(clusters, false);
        assertThat(engine.deploy(v1, options(), DeployListener.NONE).succeeded())
                .isTrue();
        MockCluster east = clusters.cluster("east-1");
        Rendering v2 = app.manifest("a.yaml", TestApp.configMap("first", "v2"))
                .manifest("b.yaml", TestApp.configMap("second", "v2"))
                .render(clusters, false);
        east.failWritesFrom(3);
        try {
            DeployReport report = engine.deploy(v2, options(), DeployListener.NONE);

            assertThat(report.failures())
                    .singleElement()
                    .satisfies(f -> assertThat(f.hint()).contains("deploy lock stays held until"));
        } finally {
            east.healWrites();
        }
        assertThat(engine.history(EnvironmentTarget.of(v2)).get(0).revisions())
                .extracting(RevisionSummary::number)
                .containsExactly(1);

        DeployReport older = engine.deploy(v1, options(), DeployListener.NONE);

        assertThat(older.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.LOCKED);
            assertThat(f.message()).contains("alice");
        });
    }

    @Test
    void aFailedJobFailsTheDeployNamingTheJob() {
        String job = """
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: migrate
                  annotations:
                    testkit.slipway.dev/outcome: fail
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                        - name: migrate
                          image: acme/migrate:1
                """;
        TestApp app = new TestApp(root, "jobs").manifest("job.yaml", job);

        DeployReport report = engine.deploy(app.render(clusters, false), options(), DeployListener.NONE);

        assertThat(report.failures()).singleElement().satisfies(f -> {
            assertThat(f.cluster()).isEqualTo("east-1");
            assertThat(f.object())
                    .hasValueSatisfying(ref -> assertThat(ref.kind()).isEqualTo("Job"));
            assertThat(f.message()).contains("BackoffLimitExceeded");
        });
    }

    @Test
    void aWorkloadThatNeverBecomesReadyTimesOut() {
        TestApp app = new TestApp(root, "slow").manifest("web.yaml", TestApp.deployment("web", 3, "acme/web:hang"));

        DeployReport report = engine.deploy(
                app.render(clusters, false), options().withTimeout(Duration.ofSeconds(2)), DeployListener.NONE);

        assertThat(report.failures()).singleElement().satisfies(f -> {
            assertThat(f.cluster()).isEqualTo("east-1");
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.TIMED_OUT);
            assertThat(f.object())
                    .hasValueSatisfying(ref -> assertThat(ref.name()).isEqualTo("web"));
            assertThat(f.message()).contains("not healthy after 2s", "0/3 replicas available");
        });
        assertThat(report.cluster("west-1").orElseThrow().outcome()).isEqualTo(ClusterResult.Outcome.NOT_STARTED);
    }

    @Test
    void rejectedCredentialsFailPreflightWithoutTouchingAnyCluster() {
        clusters.cluster("west-2").rejectCredentials(true);
        clusters.all().forEach(MockCluster::clearWrites);
        TestApp app = new TestApp(root, "creds").manifest("config.yaml", TestApp.configMap("settings", "v1"));

        DeployReport report = engine.deploy(app.render(clusters, false), options(), DeployListener.NONE);

        assertThat(report.failures()).singleElement().satisfies(f -> {
            assertThat(f.cluster()).isEqualTo("west-2");
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.CREDENTIALS_REJECTED);
            assertThat(f.hint()).contains("refresh the credentials");
        });
        assertThat(report.clusters())
                .extracting(ClusterResult::outcome)
                .containsOnly(ClusterResult.Outcome.NOT_STARTED);
        clusters.all()
                .forEach(
                        c -> assertThat(c.writes()).as("writes to %s", c.name()).isEmpty());
    }

    @Test
    void anUnreachableClusterFailsPreflightAndNothingIsTouched() {
        try (TestClusters own = TestClusters.start("north-1", "north-2", "north-3")) {
            DeployEngine ownEngine = new DeployEngine(
                    KubeClusterTargets.fromKubeconfig(Optional.of(own.kubeconfig())), Clock.systemUTC());
            own.cluster("north-2").stop();
            TestApp app = new TestApp(root, "gone").manifest("config.yaml", TestApp.configMap("settings", "v1"));
            Rendering rendering = app.render(own, false);

            DeployReport report = ownEngine.deploy(rendering, options(), DeployListener.NONE);

            assertThat(report.failures()).singleElement().satisfies(f -> {
                assertThat(f.cluster()).isEqualTo("north-2");
                assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.UNREACHABLE);
                assertThat(f.toProblem().describe()).contains("cluster north-2", "cannot reach the API server");
            });
            assertThat(own.cluster("north-1").writes()).isEmpty();
            assertThat(own.cluster("north-3").writes()).isEmpty();
            assertThatThrownBy(() -> ownEngine.plan(rendering))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("cluster north-2");
        }
    }

    @Test
    void aContextMissingFromTheKubeconfigIsNamed() {
        var group = clusters.group("production", false);
        var renamed = new dev.slipway.core.cluster.Cluster("east-9", "east-9", "east", java.util.List.of(), 1);
        var targets = KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig()));

        assertThatThrownBy(() -> targets.open(renamed))
                .isInstanceOfSatisfying(
                        dev.slipway.core.deploy.ClusterFailureException.class,
                        e -> assertThat(e.failure().message()).contains("no context named 'east-9'"));
        assertThat(group.clusters()).hasSize(3);
    }

    @Test
    void aParallelGroupDeploysAllClustersAndReportsEachFailure() {
        clusters.cluster("east-1").outcomes(o -> WorkloadOutcome.FAIL);
        TestApp app = new TestApp(root, "wide").manifest("web.yaml", TestApp.deployment("web", 1, "acme/web:1"));

        DeployReport report = engine.deploy(app.render(clusters, true), options(), DeployListener.NONE);

        assertThat(report.clusters())
                .extracting(ClusterResult::outcome)
                .containsExactly(
                        ClusterResult.Outcome.FAILED, ClusterResult.Outcome.DEPLOYED, ClusterResult.Outcome.DEPLOYED);
    }
}
