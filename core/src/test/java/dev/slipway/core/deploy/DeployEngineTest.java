package dev.slipway.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;

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
}
