package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.HealthState;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.testkit.TestClusters;
import dev.slipway.testkit.WorkloadOutcome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A selector Service is ready by its EndpointSlices when this deploy runs pods behind it, and ready once
 * applied when it does not (workloads scaled to 0, or living in another app).
 */
class ServiceHealthTest {
    static TestClusters clusters;
    static DeployEngine engine;

    @TempDir
    Path root;

    @BeforeAll
    static void startClusters() {
        clusters = TestClusters.start("east-1");
        engine = new DeployEngine(
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())), Clock.systemUTC());
    }

    @AfterAll
    static void stopClusters() {
        clusters.close();
    }

    static DeployOptions options(Duration timeout) {
        return DeployOptions.by("alice").withTimeout(timeout);
    }

    @Test
    void aServiceWaitsForReadyEndpointSlicesOfItsWorkloads() {
        TestApp app = new TestApp(root, "served")
                .manifest("web.yaml", TestApp.deployment("web", 2, "acme/web:1") + "---\n" + TestApp.service("web"));
        List<ObjectHealth> progress = new CopyOnWriteArrayList<>();

        DeployReport report =
                engine.deploy(app.render(clusters, false), options(Duration.ofSeconds(20)), new DeployListener() {
                    @Override
                    public void health(String cluster, ObjectHealth health) {
                        progress.add(health);
                    }
                });

        assertThat(report.problems()).isEmpty();
        assertThat(progress)
                .filteredOn(h -> h.ref().kind().equals("Service"))
                .last()
                .isEqualTo(ObjectHealth.healthy(
                        new dev.slipway.core.manifest.ObjectRef("", "Service", "served", "web"), "2 ready endpoints"));
    }

    @Test
    void aServiceWhoseEndpointsNeverBecomeReadyTimesOutNamingIt() {
        String service = TestApp.service("web")
                .replace("  name: web\n", "  name: web\n  annotations: {testkit.slipway.dev/outcome: hang}\n");
        TestApp app = new TestApp(root, "unserved")
                .manifest("web.yaml", TestApp.deployment("web", 1, "acme/web:1") + "---\n" + service);

        DeployReport report =
                engine.deploy(app.render(clusters, false), options(Duration.ofSeconds(2)), DeployListener.NONE);

        assertThat(report.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.TIMED_OUT);
            assertThat(f.object())
                    .hasValueSatisfying(ref -> assertThat(ref.kind()).isEqualTo("Service"));
            assertThat(f.message()).contains("no ready endpoints yet");
        });
    }

    @Test
    void aServiceInFrontOfWorkloadsScaledToZeroIsHealthyOnceApplied() {
        TestApp app = new TestApp(root, "parked")
                .manifest("web.yaml", TestApp.deployment("web", 0, "acme/web:1") + "---\n" + TestApp.service("web"));
        Duration timeout = Duration.ofSeconds(20);
        long started = System.nanoTime();

        DeployReport report = engine.deploy(app.render(clusters, false), options(timeout), DeployListener.NONE);

        assertThat(report.problems()).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(timeout);
        assertThat(engine.status(EnvironmentTarget.of(app.render(clusters, false)))
                        .get(0)
                        .objects())
                .filteredOn(o -> o.ref().kind().equals("Service"))
                .singleElement()
                .satisfies(o -> {
                    assertThat(o.state()).isEqualTo(HealthState.HEALTHY);
                    assertThat(o.message()).contains("no workload of this deploy wants pods");
                });
    }

    @Test
    void aServiceForAnotherAppsWorkloadsIsHealthyOnceApplied() {
        clusters.cluster("east-1").outcomes(WorkloadOutcome.BY_ANNOTATION_OR_IMAGE);
        TestApp app = new TestApp(root, "frontdoor").manifest("svc.yaml", TestApp.service("payments"));

        DeployReport report =
                engine.deploy(app.render(clusters, false), options(Duration.ofSeconds(20)), DeployListener.NONE);

        assertThat(report.problems()).isEmpty();
    }
}
