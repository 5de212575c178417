package dev.slipway.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.manifest.Manifest;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.render.RenderedCluster;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.revision.RevisionOutcome;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppSpec;
import dev.slipway.core.spec.EnvironmentSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The engine's rules, against clusters held in memory. */
class DeployEngineTest {
    final Map<String, InMemoryCluster> clusters = new LinkedHashMap<>();
    final Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
    final DeployEngine engine = new DeployEngine(c -> clusters.get(c.name()).target(), clock);
    final DeployOptions options = DeployOptions.by("alice").withRef("main");

    DeployEngineTest() {
        for (String name : List.of("east-1", "west-1", "west-2")) {
            clusters.put(name, new InMemoryCluster(name));
        }
    }

    Rendering rendering(String... configMapValues) {
        SourceLocation here = SourceLocation.of(Path.of("slipway.yaml"));
        AppSpec spec = new AppSpec(
                "shop",
                Optional.empty(),
                Map.of("production", new EnvironmentSpec("production", "production", "shop", here)),
                AppSpec.DEFAULT_ROUTE_TIMEOUT,
                List.of(),
                here);
        App app = new App(Path.of("."), spec, List.of());
        List<Cluster> members = clusters.keySet().stream()
                .map(n -> new Cluster(n, n, "site", List.of(), 1))
                .toList();
        List<RenderedCluster> rendered = new ArrayList<>();
        for (Cluster c : members) {
            List<Manifest> objects = new ArrayList<>();
            for (int i = 0; i < configMapValues.length; i++) {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("apiVersion", "v1").put("kind", "ConfigMap");
                o.putObject("metadata").put("name", "config-" + i).put("namespace", "shop");
                o.putObject("data").put("value", configMapValues[i]);
                objects.add(Manifest.of(o, here));
            }
            rendered.add(new RenderedCluster(c, "shop", objects));
        }
        return new Rendering(app, "production", new ClusterGroup("production", false, members), rendered);
    }

    @Test
    void clustersAreDeployedOneByOneInGroupOrderAndEachRecordsARevision() {
        DeployReport report = engine.deploy(rendering("a", "b"), options, DeployListener.NONE);

        assertThat(report.succeeded()).isTrue();
        clusters.values().forEach(c -> {
            assertThat(c.writes).startsWith("create namespace shop", "lock").endsWith("record 1", "unlock");
            assertThat(c.writes).contains("apply config-0", "apply config-1").hasSize(6);
            assertThat(c.revisions.get(1).summary().who()).isEqualTo("alice");
        });
    }

    @Test
    void aRedeployWithoutChangesTakesNoLockAndRecordsNothing() {
        engine.deploy(rendering("a"), options, DeployListener.NONE);
        clusters.values().forEach(c -> c.writes.clear());

        DeployReport again = engine.deploy(rendering("a"), options, DeployListener.NONE);

        assertThat(again.unchanged()).isTrue();
        clusters.values().forEach(c -> assertThat(c.writes).isEmpty());
    }

    @Test
    void anObjectChangedLiveIsPlannedAsDriftedAndOnlyItIsReappliedByForce() {
        engine.deploy(rendering("a", "b"), options, DeployListener.NONE);
        InMemoryCluster west = clusters.get("west-1");
        west.objects.values().stream()
                .filter(o -> o.path("metadata").path("name").asText().equals("config-1"))
                .forEach(o -> o.with("data").put("value", "edited by hand"));
        clusters.values().forEach(c -> c.writes.clear());

        var plan = engine.plan(rendering("a", "b"));
        DeployReport repair = engine.deploy(rendering("a", "b"), options, DeployListener.NONE);

        assertThat(plan.clusters().get(1).changes())
                .filteredOn(c -> c.action() == dev.slipway.core.plan.ChangeAction.DRIFTED)
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.headline()).isEqualTo("~ ConfigMap/config-1 (drifted: .data.value (kubectl-edit))");
                    assertThat(c.diff()).contains("-  value: edited by hand", "+  value: b");
                });
        assertThat(plan.clusters().get(0).hasChanges()).isFalse();
        assertThat(repair.cluster("east-1").orElseThrow().outcome()).isEqualTo(ClusterResult.Outcome.UNCHANGED);
        assertThat(clusters.get("east-1").writes).isEmpty();
        assertThat(west.writes).containsExactly("lock", "apply config-1", "record 2", "unlock");
        assertThat(west.forced).containsExactly("config-1");
        assertThat(west.objects
                        .get(new ObjectRef("", "ConfigMap", "shop", "config-1"))
                        .path("data")
                        .path("value")
                        .asText())
                .isEqualTo("b");
    }

    @Test
    void anAutoscalersTargetIsAppliedWithoutReplicas() {
        Rendering rendering = rendering();
        SourceLocation here = SourceLocation.of(Path.of("slipway.yaml"));
        List<RenderedCluster> rendered = new ArrayList<>();
        for (RenderedCluster rc : rendering.clusters()) {
            ObjectNode deployment = JsonNodeFactory.instance.objectNode();
            deployment.put("apiVersion", "apps/v1").put("kind", "Deployment");
            deployment.putObject("metadata").put("name", "web").put("namespace", "shop");
            deployment.putObject("spec").put("replicas", 3);
            ObjectNode hpa = JsonNodeFactory.instance.objectNode();
            hpa.put("apiVersion", "autoscaling/v2").put("kind", "HorizontalPodAutoscaler");
            hpa.putObject("metadata").put("name", "web").put("namespace", "shop");
            hpa.putObject("spec")
                    .putObject("scaleTargetRef")
                    .put("apiVersion", "apps/v1")
                    .put("kind", "Deployment")
                    .put("name", "web");
            ObjectNode other = deployment.deepCopy();
            other.with("metadata").put("name", "batch");
            rendered.add(new RenderedCluster(
                    rc.cluster(),
                    "shop",
                    List.of(Manifest.of(deployment, here), Manifest.of(other, here), Manifest.of(hpa, here))));
        }

        engine.deploy(
                new Rendering(rendering.app(), "production", rendering.group(), rendered),
                options,
                DeployListener.NONE);

        var live = clusters.get("east-1").objects;
        assertThat(live.get(new ObjectRef("apps", "Deployment", "shop", "web"))
                        .path("spec")
                        .has("replicas"))
                .isFalse();
        assertThat(live.get(new ObjectRef("apps", "Deployment", "shop", "batch"))
                        .path("spec")
                        .path("replicas")
                        .asInt())
                .isEqualTo(3);
    }

    @Test
    void aFailureMidApplyRecordsAFailedRevisionAndReleasesTheLock() {
        engine.deploy(rendering("a", "b"), options, DeployListener.NONE);
        InMemoryCluster east = clusters.get("east-1");
        east.failingApplies.add("config-1");

        DeployReport report = engine.deploy(rendering("a2", "b2"), options, DeployListener.NONE);

        assertThat(report.succeeded()).isFalse();
        ClusterFailure failure = report.failures().get(0);
        assertThat(failure.reason()).isEqualTo(ClusterFailure.Reason.API_ERROR);
        assertThat(report.cluster("west-1").orElseThrow().outcome()).isEqualTo(ClusterResult.Outcome.NOT_STARTED);
        var recorded = east.revisions.lastEntry().getValue();
        assertThat(recorded.number()).isEqualTo(2);
        assertThat(recorded.outcome()).isEqualTo(RevisionOutcome.FAILED);
        assertThat(recorded.summary().failure()).contains("etcdserver: timeout");
        assertThat(east.lease).as("lock released once the failure is recorded").isEmpty();

        east.failingApplies.clear();
        DeployReport retry = engine.deploy(rendering("a2", "b2"), options, DeployListener.NONE);

        assertThat(retry.succeeded()).isTrue();
        assertThat(east.revisions.lastEntry().getValue().outcome()).isEqualTo(RevisionOutcome.SUCCEEDED);
    }

    @Test
    void aFailureMidBatchIsRecordedOnlyOnceEveryApplyOfTheBatchHasEnded() throws Exception {
        engine.deploy(rendering("a", "b", "c", "d"), options, DeployListener.NONE);
        InMemoryCluster east = clusters.get("east-1");
        east.failingApplies.add("config-1");
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean heldApplyStarted = new AtomicBoolean();
        east.onApply = name -> {
            if (name.equals("config-3")) {
                heldApplyStarted.set(true);
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };

        // The four ConfigMaps are one batch (same wave and kind): applied concurrently; config-1 answers 500.
        CompletableFuture<DeployReport> deploy = CompletableFuture.supplyAsync(
                () -> engine.deploy(rendering("a2", "b2", "c2", "d2"), options, DeployListener.NONE));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> heldApplyStarted.get() && east.writes.contains("apply config-1"));
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> !east.writes.contains("record 2"));
        release.countDown();
        DeployReport report = deploy.get(10, TimeUnit.SECONDS);

        assertThat(report.succeeded()).isFalse();
        assertThat(report.failures().get(0).reason()).isEqualTo(ClusterFailure.Reason.API_ERROR);
        var recorded = east.revisions.lastEntry().getValue();
        assertThat(recorded.outcome()).isEqualTo(RevisionOutcome.FAILED);
        assertThat(recorded.objects()).hasSize(4);
        assertThat(recorded.summary().failure()).contains("etcdserver: timeout");
        assertThat(east.writes.indexOf("record 2"))
                .as("the failed revision comes after the held apply landed")
                .isGreaterThan(east.writes.lastIndexOf("apply config-3"));
        assertThat(east.objects
                        .get(ObjectRef.of(objectNamed("config-3")))
                        .path("data")
                        .path("value")
                        .asText())
                .isEqualTo("d2");
        assertThat(east.lease).as("lock released once the failure is recorded").isEmpty();
    }

    private static ObjectNode objectNamed(String name) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("apiVersion", "v1").put("kind", "ConfigMap");
        o.putObject("metadata").put("name", name).put("namespace", "shop");
        return o;
    }

    @Test
    void aFailureMidApplyThatCannotBeRecordedKeepsTheLock() {
        engine.deploy(rendering("a", "b"), options, DeployListener.NONE);
        InMemoryCluster east = clusters.get("east-1");
        east.failingApplies.add("config-1");
        east.failRecord = true;

        DeployReport report = engine.deploy(rendering("a2", "b2"), options, DeployListener.NONE);

        assertThat(report.succeeded()).isFalse();
        assertThat(report.failures().get(0).hint()).contains("deploy lock stays held until");
        assertThat(east.revisions).hasSize(1);
        assertThat(east.lease)
                .as("a partial apply without a revision keeps the lock")
                .isPresent();
        DeployReport other = new DeployEngine(c -> clusters.get(c.name()).target(), clock)
                .deploy(rendering("a", "b"), DeployOptions.by("bob"), DeployListener.NONE);
        assertThat(other.failures().get(0).reason()).isEqualTo(ClusterFailure.Reason.LOCKED);
    }

    @Test
    void aRedeployAfterAFailedRolloutWaitsAgainEvenWithoutChanges() {
        clusters.get("east-1").health = o -> ObjectHealth.failed(ObjectRef.of(o), "broken");
        assertThat(engine.deploy(rendering("a"), options, DeployListener.NONE).succeeded())
                .isFalse();
        clusters.get("east-1").health = o -> ObjectHealth.healthy(ObjectRef.of(o), "ok");

        DeployReport retry = engine.deploy(rendering("a"), options, DeployListener.NONE);

        assertThat(retry.cluster("east-1").orElseThrow().outcome()).isEqualTo(ClusterResult.Outcome.DEPLOYED);
        assertThat(clusters.get("east-1").revisions.lastEntry().getValue().outcome())
                .isEqualTo(RevisionOutcome.SUCCEEDED);
    }

    @Test
    void aDeployThatFinishedBetweenLookAndLockIsTakenIntoAccount() {
        InMemoryCluster east = clusters.get("east-1");
        DeployEngine other = new DeployEngine(c -> clusters.get(c.name()).target(), clock);
        east.beforeLock = () -> {
            east.beforeLock = () -> {};
            other.deploy(rendering("a"), DeployOptions.by("bob"), DeployListener.NONE);
        };

        DeployReport report = engine.deploy(rendering("a"), options, DeployListener.NONE);

        assertThat(report.cluster("east-1").orElseThrow().outcome()).isEqualTo(ClusterResult.Outcome.UNCHANGED);
        assertThat(east.revisions).hasSize(1);
        assertThat(east.revisions.get(1).summary().who()).isEqualTo("bob");
    }

    @Test
    void everyClusterIsLookedAtBeforeTheFirstWriteAnywhere() {
        List<String> writesAtLook = java.util.Collections.synchronizedList(new ArrayList<>());
        clusters.values()
                .forEach(c -> c.onGet = () -> writesAtLook.add(c.name + " after "
                        + clusters.values().stream()
                                .mapToInt(x -> x.writes.size())
                                .sum() + " writes"));

        DeployReport report = engine.deploy(rendering("a"), options, DeployListener.NONE);

        assertThat(report.succeeded()).isTrue();
        assertThat(writesAtLook)
                .containsExactlyInAnyOrder("east-1 after 0 writes", "west-1 after 0 writes", "west-2 after 0 writes");
    }

    @Test
    void aClusterChangedByAnotherDeployWhileEarlierClustersConvergedIsDeployedAnyway() {
        engine.deploy(rendering("a"), options, DeployListener.NONE);
        InMemoryCluster east = clusters.get("east-1");
        InMemoryCluster west = clusters.get("west-2");
        // Drift on east-1 only, so this deploy writes there first and looks at west-2 before that.
        east.objects.clear();
        DeployEngine other = new DeployEngine(c -> clusters.get(c.name()).target(), clock);
        east.beforeLock = () -> {
            east.beforeLock = () -> {};
            other.deploy(rendering("b"), DeployOptions.by("bob"), DeployListener.NONE);
        };

        DeployReport report = engine.deploy(rendering("a"), options, DeployListener.NONE);

        assertThat(report.cluster("west-2").orElseThrow().outcome()).isEqualTo(ClusterResult.Outcome.DEPLOYED);
        assertThat(west.revisions.lastEntry().getValue().summary().who()).isEqualTo("alice");
        assertThat(west.objects.values())
                .singleElement()
                .satisfies(
                        o -> assertThat(o.path("data").path("value").asText()).isEqualTo("a"));
    }

    @Test
    void theFirstFailureHaltsTheGroup() {
        clusters.get("west-1").health = o -> ObjectHealth.failed(ObjectRef.of(o), "crash looping");

        DeployReport report = engine.deploy(rendering("a"), options, DeployListener.NONE);

        assertThat(report.clusters())
                .extracting(ClusterResult::outcome)
                .containsExactly(
                        ClusterResult.Outcome.DEPLOYED,
                        ClusterResult.Outcome.FAILED,
                        ClusterResult.Outcome.NOT_STARTED);
        assertThat(report.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.UNHEALTHY);
            assertThat(f.toProblem().describe()).startsWith("cluster west-1, ConfigMap/config-0");
        });
        assertThat(clusters.get("west-2").writes).isEmpty();
        assertThat(clusters.get("west-1").revisions.get(1).outcome()).isEqualTo(RevisionOutcome.FAILED);
    }

    @Test
    void anUnreachableClusterStopsEverythingBeforeAnyWrite() {
        clusters.get("west-2").unreachable = Optional.of("connection refused");

        DeployReport report = engine.deploy(rendering("a"), options, DeployListener.NONE);

        assertThat(report.preflightFailures())
                .singleElement()
                .satisfies(f -> assertThat(f.cluster()).isEqualTo("west-2"));
        clusters.values().forEach(c -> assertThat(c.writes).isEmpty());
    }

    @Test
    void aLockHeldByAnotherDeployIsReportedWithItsHolder() {
        InMemoryCluster east = clusters.get("east-1");
        east.namespaces.add("shop");
        east.lease = Optional.of(new DeployLock(
                new AppEnvironment("shop", "production", "shop"),
                "x",
                "bob",
                clock.instant().minus(Duration.ofMinutes(1)),
                clock.instant().plus(Duration.ofMinutes(5))));

        DeployReport report = engine.deploy(rendering("a"), options, DeployListener.NONE);

        assertThat(report.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.LOCKED);
            assertThat(f.message()).contains("bob since 2026-11-23T09:59:00Z");
        });
        assertThat(east.objects).isEmpty();
    }

    @Test
    void rollbackToPreviousSkipsFailedRevisionsAndSaysWhatItRolledBack() {
        engine.deploy(rendering("v1"), options, DeployListener.NONE);
        engine.deploy(rendering("v2"), options, DeployListener.NONE);
        clusters.values().forEach(c -> c.health = o -> ObjectHealth.failed(ObjectRef.of(o), "bad"));
        engine.deploy(rendering("v3"), options, DeployListener.NONE);
        clusters.values().forEach(c -> c.health = o -> ObjectHealth.healthy(ObjectRef.of(o), "ok"));

        DeployReport rollback = engine.rollback(
                EnvironmentTarget.of(rendering("v1")), RollbackTo.previous(), options, DeployListener.NONE);

        assertThat(rollback.succeeded()).isTrue();
        InMemoryCluster east = clusters.get("east-1");
        assertThat(east.objects.values())
                .singleElement()
                .satisfies(
                        o -> assertThat(o.path("data").path("value").asText()).isEqualTo("v2"));
        assertThat(east.revisions.lastEntry().getValue().summary().rollbackOf()).hasValue(2);
    }

    private String value(String cluster) {
        return clusters.get(cluster)
                .objects
                .values()
                .iterator()
                .next()
                .path("data")
                .path("value")
                .asText();
    }

    /** As Slipway recorded revisions before release ids: no release, no contents. */
    private void forgetReleases() {
        clusters.values().forEach(c -> c.revisions.replaceAll((n, r) -> r.withRelease("", Map.of())));
    }

    @Test
    void withOnlyOneReleaseRecordedThereIsNothingToRollBackTo() {
        engine.deploy(rendering("v1"), options, DeployListener.NONE);
        clusters.values().forEach(c -> c.writes.clear());

        DeployReport rollback = engine.rollback(
                EnvironmentTarget.of(rendering("v1")), RollbackTo.previous(), options, DeployListener.NONE);

        assertThat(rollback.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.NO_SUCH_REVISION);
            assertThat(f.message()).contains("there is nothing to roll back to");
        });
        clusters.values().forEach(c -> assertThat(c.writes).isEmpty());
    }

    @Test
    void revisionsRecordedBeforeReleaseIdsRollBackTogetherAndGetOneReleaseId() {
        engine.deploy(rendering("v1"), options.withRef("v1"), DeployListener.NONE);
        engine.deploy(rendering("v2"), options.withRef("v2"), DeployListener.NONE);
        forgetReleases();
        List<RollbackPlan> told = new ArrayList<>();

        DeployReport rollback = engine.rollback(
                EnvironmentTarget.of(rendering("v1")), RollbackTo.previous(), options, new DeployListener() {
                    @Override
                    public void rollingBack(RollbackPlan plan) {
                        told.add(plan);
                    }
                });

        assertThat(rollback.succeeded()).isTrue();
        assertThat(told).singleElement().satisfies(p -> assertThat(p.release()).matches("[0-9a-f]{12}"));
        for (String cluster : clusters.keySet()) {
            assertThat(value(cluster)).as(cluster).isEqualTo("v1");
            var restored =
                    clusters.get(cluster).revisions.lastEntry().getValue().summary();
            assertThat(restored.release()).as(cluster).isEqualTo(told.get(0).release());
            assertThat(restored.ref()).isEqualTo("v1");
        }
    }

    @Test
    void aRevisionNumberWithAnotherRefOnOneClusterIsRefusedWhenNoReleaseIdTellsThemApart() {
        engine.deploy(rendering("v1"), options.withRef("v1"), DeployListener.NONE);
        engine.deploy(rendering("v2"), options.withRef("v2"), DeployListener.NONE);
        forgetReleases();
        InMemoryCluster west = clusters.get("west-2");
        var first = west.revisions.get(1);
        var s = first.summary();
        west.revisions.put(
                1,
                new dev.slipway.core.revision.Revision(
                        first.app(),
                        first.environment(),
                        first.cluster(),
                        new dev.slipway.core.revision.RevisionSummary(
                                1, "hotfix", s.who(), s.when(), s.outcome(), s.rollbackOf(), s.objectCount()),
                        first.objects()));
        clusters.values().forEach(c -> c.writes.clear());

        DeployReport rollback = engine.rollback(
                EnvironmentTarget.of(rendering("v1")), RollbackTo.revision(1), options, DeployListener.NONE);

        assertThat(rollback.failures()).singleElement().satisfies(f -> {
            assertThat(f.cluster()).isEqualTo("west-2");
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.RELEASES_DIFFER);
            assertThat(f.message()).contains("ref hotfix").contains("ref v1").contains("east-1");
        });
        clusters.values().forEach(c -> assertThat(c.writes).isEmpty());
    }

    @Test
    void aReleasePrefixMustBeLongEnoughAndNameOneRelease() {
        engine.deploy(rendering("v1"), options, DeployListener.NONE);
        engine.deploy(rendering("v2"), options, DeployListener.NONE);
        clusters.values().forEach(c -> {
            c.revisions.put(1, c.revisions.get(1).withRelease("abcd11111111", Map.of()));
            c.revisions.put(2, c.revisions.get(2).withRelease("abcd22222222", Map.of()));
            c.writes.clear();
        });
        EnvironmentTarget env = EnvironmentTarget.of(rendering("v1"));

        assertThat(engine.rollback(env, RollbackTo.release("abc"), options, DeployListener.NONE)
                        .failures())
                .singleElement()
                .satisfies(f -> assertThat(f.message()).contains("too short"));
        assertThat(engine.rollback(env, RollbackTo.release("abcd"), options, DeployListener.NONE)
                        .failures())
                .singleElement()
                .satisfies(f -> assertThat(f.message())
                        .contains("starts more than one release")
                        .contains("abcd11111111")
                        .contains("abcd22222222"));
        assertThat(engine.rollback(env, RollbackTo.release("beef"), options, DeployListener.NONE)
                        .failures())
                .singleElement()
                .satisfies(f -> assertThat(f.message()).contains("no release starting with 'beef'"));
        clusters.values().forEach(c -> assertThat(c.writes).isEmpty());

        DeployReport back = engine.rollback(env, RollbackTo.release("ABCD1"), options, DeployListener.NONE);

        assertThat(back.succeeded()).isTrue();
        clusters.keySet().forEach(c -> assertThat(value(c)).isEqualTo("v1"));
    }
}
