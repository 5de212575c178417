package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.RollbackPlan;
import dev.slipway.core.deploy.RollbackTo;
import dev.slipway.core.plan.ClusterPlan;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.revision.RevisionSummary;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import dev.slipway.testkit.WorkloadOutcome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollback after a halted deploy (issue 14 item 9): one release for the whole group, shown per cluster before
 * anything is written, refused when a cluster lacks it.
 */
class GroupRollbackTest {
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
        clusters.all().forEach(c -> c.outcomes(WorkloadOutcome.BY_ANNOTATION_OR_IMAGE));
    }

    static DeployOptions options() {
        return DeployOptions.by("alice").withHost("laptop").withTimeout(Duration.ofSeconds(20));
    }

    /** 1.0 everywhere, then 1.1 that succeeds on east-1, fails on west-1 and so never reaches west-2. */
    private Rendering halted(TestApp app) {
        assertThat(engine.deploy(
                                app.manifest("web.yaml", TestApp.deployment("web", 2, "acme/web:1.0"))
                                        .render(clusters, false),
                                options().withRef("v1.0"),
                                DeployListener.NONE)
                        .succeeded())
                .isTrue();
        clusters.cluster("west-1").outcomes(o -> WorkloadOutcome.FAIL);
        Rendering v11 = app.manifest("web.yaml", TestApp.deployment("web", 2, "acme/web:1.1"))
                .render(clusters, false);
        DeployReport report = engine.deploy(v11, options().withRef("v1.1"), DeployListener.NONE);
        assertThat(report.clusters())
                .extracting(ClusterResult::outcome)
                .containsExactly(
                        ClusterResult.Outcome.DEPLOYED,
                        ClusterResult.Outcome.FAILED,
                        ClusterResult.Outcome.NOT_STARTED);
        clusters.cluster("west-1").outcomes(WorkloadOutcome.BY_ANNOTATION_OR_IMAGE);
        clusters.all().forEach(MockCluster::clearWrites);
        return v11;
    }

    @Test
    void rollbackAfterAHaltedDeployPutsEveryClusterOnTheSameEarlierRelease() {
        TestApp app = new TestApp(root, "halted");
        EnvironmentTarget env = EnvironmentTarget.of(halted(app));
        String v10 = history(env, "west-2").get(0).release();
        String v11 = history(env, "east-1").get(0).release();
        assertThat(v10).hasSize(12).isNotEqualTo(v11);
        assertThat(history(env, "west-1").get(0).release())
                .as("the failed cluster records the release too")
                .isEqualTo(v11);
        Events events = new Events();

        DeployReport report = engine.rollback(env, RollbackTo.previous(), options(), events);

        assertThat(report.problems()).isEmpty();
        assertThat(report.clusters())
                .extracting(ClusterResult::outcome)
                .containsExactly(
                        ClusterResult.Outcome.DEPLOYED,
                        ClusterResult.Outcome.DEPLOYED,
                        ClusterResult.Outcome.UNCHANGED);
        for (String cluster : List.of("east-1", "west-1", "west-2")) {
            assertThat(image(cluster, "halted")).as(cluster).isEqualTo("acme/web:1.0");
        }
        assertThat(clusters.cluster("west-2").writes())
                .as("west-2 never left 1.0")
                .isEmpty();
        assertThat(events.lines.get(0)).isEqualTo("rolling back to release " + v10);
        assertThat(events.lines.subList(1, 4))
                .containsExactly(
                        "east-1: revision 2 (release " + v11 + ", ref v1.1) → revision 1 (release " + v10
                                + ", ref v1.0)",
                        "west-1: revision 2 (release " + v11 + ", ref v1.1, failed) → revision 1 (release " + v10
                                + ", ref v1.0)",
                        "west-2: revision 1 (release " + v10 + ", ref v1.0) → already at release " + v10);
        assertThat(events.lines.subList(4, events.lines.size()))
                .as("the plan comes before the first write")
                .allMatch(l -> !l.startsWith("rolling back") && !l.contains(" → "))
                .anyMatch(l -> l.startsWith("east-1: applied"));
        RevisionSummary restored = history(env, "east-1").get(0);
        assertThat(restored.number()).isEqualTo(3);
        assertThat(restored.rollbackOf()).hasValue(1);
        assertThat(restored.release()).isEqualTo(v10);
        assertThat(restored.ref()).as("a rollback records its target's ref").isEqualTo("v1.0");
        assertThat(history(env, "west-1").get(0).release()).isEqualTo(v10);
    }

    @Test
    void aRevisionNumberThatIsAnotherReleaseOnSomeClusterIsRefusedAndTheReleaseIdWorks() {
        TestApp app = new TestApp(root, "apart");
        EnvironmentTarget env = EnvironmentTarget.of(halted(app));
        String v10 = history(env, "west-2").get(0).release();
        // 1.2 everywhere: east-1 and west-1 record revision 3, west-2 revision 2.
        assertThat(engine.deploy(
                                app.manifest("web.yaml", TestApp.deployment("web", 2, "acme/web:1.2"))
                                        .render(clusters, false),
                                options().withRef("v1.2"),
                                DeployListener.NONE)
                        .succeeded())
                .isTrue();
        clusters.all().forEach(MockCluster::clearWrites);

        DeployReport refused = engine.rollback(env, RollbackTo.revision(2), options(), DeployListener.NONE);

        assertThat(refused.succeeded()).isFalse();
        assertThat(refused.failures()).singleElement().satisfies(f -> {
            assertThat(f.cluster()).isEqualTo("west-2");
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.RELEASES_DIFFER);
            assertThat(f.message()).contains("east-1").contains("ref v1.2").contains("ref v1.1");
            assertThat(f.hint()).contains("--to RELEASE");
        });
        assertThat(totalWrites()).isZero();

        DeployReport back =
                engine.rollback(env, RollbackTo.release(v10.substring(0, 6)), options(), DeployListener.NONE);

        assertThat(back.problems()).isEmpty();
        for (String cluster : List.of("east-1", "west-1", "west-2")) {
            assertThat(image(cluster, "apart")).as(cluster).isEqualTo("acme/web:1.0");
            assertThat(history(env, cluster).get(0).release()).as(cluster).isEqualTo(v10);
        }
        assertThat(history(env, "west-2").get(0).rollbackOf()).hasValue(1);
    }

    @Test
    void aReleaseOneClusterNeverRanIsRefusedBeforeAnyWrite() {
        TestApp app = new TestApp(root, "missing");
        EnvironmentTarget env = EnvironmentTarget.of(halted(app));
        String v11 = history(env, "east-1").get(0).release();
        // Back to 1.0 first, so that 1.1 is an earlier release east-1 could go to.
        assertThat(engine.rollback(env, RollbackTo.previous(), options(), DeployListener.NONE)
                        .succeeded())
                .isTrue();
        clusters.all().forEach(MockCluster::clearWrites);
        Events events = new Events();

        DeployReport refused = engine.rollback(env, RollbackTo.release(v11), options(), events);

        assertThat(refused.succeeded()).isFalse();
        assertThat(refused.failures()).extracting(ClusterFailure::cluster).containsExactly("west-1", "west-2");
        assertThat(refused.failures().get(0).message()).contains("release " + v11, "failed on this cluster");
        assertThat(refused.failures().get(1).message())
                .contains("never ran release " + v11 + " (ref v1.1)")
                .contains("it has revision 1 (release");
        assertThat(refused.clusters()).allMatch(c -> c.outcome() == ClusterResult.Outcome.NOT_STARTED);
        assertThat(totalWrites()).isZero();
        assertThat(events.lines).as("no plan is shown for a refused rollback").isEmpty();
        assertThat(image("east-1", "missing")).isEqualTo("acme/web:1.0");

        // Nor does "previous" settle for 1.1: it failed on west-1 and never reached west-2.
        DeployReport previous = engine.rollback(env, RollbackTo.previous(), options(), DeployListener.NONE);
        assertThat(previous.succeeded()).isFalse();
        assertThat(previous.failures()).extracting(ClusterFailure::cluster).containsExactly("west-1", "west-2");
        assertThat(totalWrites()).isZero();
    }

    @Test
    void aClusterLeftUnchangedByAReleaseStillCountsAsHavingIt() {
        TestApp app = new TestApp(root, "unchanged");
        app.manifest("web.yaml", TestApp.deployment("web", 1, "acme/web:1.0"));
        EnvironmentTarget env = EnvironmentTarget.of(app.render(clusters, false));
        assertThat(engine.deploy(app.render(clusters, false), options().withRef("v1"), DeployListener.NONE)
                        .succeeded())
                .isTrue();
        // v2 changes only east-1 (an override), so west-1 and west-2 record nothing for it.
        String override = TestApp.deployment("web", 1, "acme/web:1.0")
                .replace(
                        "metadata:\n  name: web\n",
                        "metadata:\n  name: web\n  annotations:\n    slipway.dev/override.east-1:"
                                + " '{spec: {replicas: 3}}'\n");
        assertThat(engine.deploy(
                                app.manifest("web.yaml", override).render(clusters, false),
                                options().withRef("v2"),
                                DeployListener.NONE)
                        .succeeded())
                .isTrue();
        String v2 = history(env, "east-1").get(0).release();
        assertThat(history(env, "west-1")).hasSize(1);
        assertThat(engine.deploy(
                                app.manifest("web.yaml", override.replace("acme/web:1.0", "acme/web:3.0"))
                                        .render(clusters, false),
                                options().withRef("v3"),
                                DeployListener.NONE)
                        .succeeded())
                .isTrue();

        DeployReport back = engine.rollback(env, RollbackTo.previous(), options(), DeployListener.NONE);

        assertThat(back.problems()).isEmpty();
        assertThat(replicas("east-1", "unchanged")).as("v2, not v1, on east-1").isEqualTo(3);
        for (String cluster : List.of("east-1", "west-1", "west-2")) {
            assertThat(image(cluster, "unchanged")).as(cluster).isEqualTo("acme/web:1.0");
            assertThat(history(env, cluster).get(0).release()).as(cluster).isEqualTo(v2);
        }
    }

    @Test
    void aDeployRefusedTheLockIsToldWhoHoldsItAndOnWhichMachine() throws Exception {
        TestApp app = new TestApp(root, "locked").manifest("web.yaml", TestApp.deployment("web", 1, "acme/web:1"));
        Rendering v1 = app.render(clusters, false);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        DeployListener blocking = new DeployListener() {
            @Override
            public void clusterStarted(ClusterPlan plan) {
                if (plan.cluster().equals("east-1")) {
                    holding.countDown();
                    try {
                        letGo.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        CompletableFuture<DeployReport> first = CompletableFuture.supplyAsync(() -> engine.deploy(
                v1, DeployOptions.by("bob").withHost("build-7").withTimeout(Duration.ofSeconds(20)), blocking));
        try {
            assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();

            DeployReport refused = engine.deploy(
                    app.manifest("web.yaml", TestApp.deployment("web", 1, "acme/web:2"))
                            .render(clusters, false),
                    options(),
                    DeployListener.NONE);

            assertThat(refused.failures()).singleElement().satisfies(f -> {
                assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.LOCKED);
                assertThat(f.message()).startsWith("another deploy holds the lock: bob@build-7 since ");
            });
        } finally {
            letGo.countDown();
        }
        await().atMost(Duration.ofSeconds(30)).until(first::isDone);
        assertThat(first.get().succeeded()).isTrue();
    }

    private static List<RevisionSummary> history(EnvironmentTarget env, String cluster) {
        return engine.history(env).stream()
                .filter(h -> h.cluster().equals(cluster))
                .findFirst()
                .orElseThrow()
                .revisions();
    }

    private static String image(String cluster, String namespace) {
        return clusters.cluster(cluster)
                .client()
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName("web")
                .get()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getImage();
    }

    private static int replicas(String cluster, String namespace) {
        return clusters.cluster(cluster)
                .client()
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName("web")
                .get()
                .getSpec()
                .getReplicas();
    }

    private static int totalWrites() {
        return clusters.all().stream().mapToInt(c -> c.writes().size()).sum();
    }

    /** What a progress display would be told, in order. */
    static final class Events implements DeployListener {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void rollingBack(RollbackPlan plan) {
            lines.add("rolling back to release " + plan.release());
            lines.addAll(plan.lines());
        }

        @Override
        public void applied(String cluster, PlannedChange change) {
            lines.add(cluster + ": applied " + change.ref());
        }

        @Override
        public void clusterFinished(ClusterResult result) {
            lines.add(result.cluster() + ": " + result.outcome().label());
        }
    }
}
