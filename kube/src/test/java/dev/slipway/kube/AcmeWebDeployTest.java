package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.HealthState;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The realistic example app (50+ objects: workloads, RBAC, a CRD and its objects, HPAs, PDBs) on three clusters. */
class AcmeWebDeployTest {
    static final Path EXAMPLE = Path.of("").toAbsolutePath().getParent().resolve("examples/acme-web");

    @TempDir
    Path root;

    @Test
    void theExampleAppDeploysToThreeClustersAndRedeploysWithoutWriting() throws IOException {
        try (TestClusters clusters = TestClusters.start("east-1", "east-2", "west-1")) {
            Path clustersFile = root.resolve("clusters.yaml");
            Files.writeString(clustersFile, clusters.clustersFile("production", false));
            Rendering rendering = new Renderer(SecretSource.REDACTED)
                    .render(AppLoader.load(EXAMPLE), "production", ClustersConfigLoader.load(clustersFile));
            assertThat(rendering.clusters().get(0).objects()).hasSizeGreaterThanOrEqualTo(50);
            DeployEngine engine = new DeployEngine(
                    KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())), Clock.systemUTC());
            DeployOptions options = DeployOptions.by("ci").withRef("v1.0.0").withTimeout(Duration.ofSeconds(30));

            DeployReport first = engine.deploy(rendering, options, DeployListener.NONE);

            assertThat(first.problems()).isEmpty();
            assertThat(first.clusters())
                    .extracting(ClusterResult::outcome)
                    .containsOnly(ClusterResult.Outcome.DEPLOYED);
            MockCluster east1 = clusters.cluster("east-1");
            MockCluster west1 = clusters.cluster("west-1");
            assertThat(east1.client()
                            .configMaps()
                            .inNamespace("acme-web")
                            .withName("web-config")
                            .get()
                            .getData())
                    .containsEntry("REGION", "us-east-1");
            assertThat(west1.client()
                            .configMaps()
                            .inNamespace("acme-web")
                            .withName("web-config")
                            .get()
                            .getData())
                    .containsEntry("REGION", "us-west-1");
            // web is autoscaled: its replicas are the HorizontalPodAutoscaler's (whose floor is 6 on west-1).
            assertThat(west1.client()
                            .apps()
                            .deployments()
                            .inNamespace("acme-web")
                            .withName("web")
                            .get()
                            .getSpec()
                            .getReplicas())
                    .isNull();
            assertThat(west1.client()
                            .autoscaling()
                            .v2()
                            .horizontalPodAutoscalers()
                            .inNamespace("acme-web")
                            .withName("web")
                            .get()
                            .getSpec()
                            .getMinReplicas())
                    .isEqualTo(6);
            assertThat(east1.client()
                            .batch()
                            .v1()
                            .cronjobs()
                            .inNamespace("acme-web")
                            .list()
                            .getItems())
                    .hasSize(1);
            assertThat(west1.client()
                            .batch()
                            .v1()
                            .cronjobs()
                            .inNamespace("acme-web")
                            .list()
                            .getItems())
                    .isEmpty();
            assertThat(east1.client()
                            .genericKubernetesResources("acme.dev/v1", "FeatureFlag")
                            .inNamespace("acme-web")
                            .list()
                            .getItems())
                    .hasSize(6);

            clusters.all().forEach(MockCluster::clearWrites);
            DeployReport again = engine.deploy(rendering, options, DeployListener.NONE);

            assertThat(again.unchanged()).isTrue();
            clusters.all()
                    .forEach(c ->
                            assertThat(c.writes()).as("writes to %s", c.name()).isEmpty());
            assertThat(engine.status(EnvironmentTarget.of(rendering))).allSatisfy(s -> {
                assertThat(s.current())
                        .hasValueSatisfying(r -> assertThat(r.ref()).isEqualTo("v1.0.0"));
                assertThat(s.objects()).allSatisfy(o -> assertThat(o.state()).isEqualTo(HealthState.HEALTHY));
            });
        }
    }
}
