package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.ClusterStatus;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.plan.ChangeAction;
import dev.slipway.core.plan.DriftedField;
import dev.slipway.core.plan.Plan;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.render.Rendering;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Objects changed live by someone else (kubectl scale, set image, edit, label): plan and status name them,
 * deploy re-applies exactly them, and what another manager legitimately owns is left alone.
 */
class DriftTest {
    static TestClusters clusters;
    static DeployEngine engine;

    @TempDir
    Path root;

    @BeforeAll
    static void startClusters() {
        clusters = TestClusters.start("east-1", "west-1");
        engine = new DeployEngine(
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())), Clock.systemUTC());
    }

    @AfterAll
    static void stopClusters() {
        clusters.close();
    }

    static DeployOptions options() {
        return DeployOptions.by("alice").withTimeout(Duration.ofSeconds(20));
    }

    static String web(String namespace) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  labels: {tier: front}
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                        - name: web
                          image: shop/web:1
                          env:
                            - {name: MODE, value: fast}
                          resources:
                            requests: {cpu: 250m, memory: 256Mi}
                """;
    }

    @Test
    void kubectlScaleIsDriftThatDeployRepairsAlone() {
        assertRepaired(
                "scaled",
                "kubectl-scale",
                d -> new DeploymentBuilder(d)
                        .editSpec()
                        .withReplicas(5)
                        .endSpec()
                        .build(),
                ".spec.replicas",
                d -> assertThat(d.getSpec().getReplicas()).isEqualTo(2));
    }

    @Test
    void kubectlSetImageIsDriftThatDeployRepairsAlone() {
        assertRepaired(
                "imaged",
                "kubectl-set",
                d -> new DeploymentBuilder(d)
                        .editSpec()
                        .editTemplate()
                        .editSpec()
                        .editFirstContainer()
                        .withImage("shop/web:hotfix")
                        .endContainer()
                        .endSpec()
                        .endTemplate()
                        .endSpec()
                        .build(),
                ".spec.template.spec.containers[name=web].image",
                d -> assertThat(d.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .getImage())
                        .isEqualTo("shop/web:1"));
    }

    @Test
    void anEnvEditIsDriftThatDeployRepairsAlone() {
        assertRepaired(
                "envs",
                "kubectl-edit",
                d -> new DeploymentBuilder(d)
                        .editSpec()
                        .editTemplate()
                        .editSpec()
                        .editFirstContainer()
                        .withEnv(new EnvVarBuilder()
                                .withName("MODE")
                                .withValue("debug")
                                .build())
                        .endContainer()
                        .endSpec()
                        .endTemplate()
                        .endSpec()
                        .build(),
                ".spec.template.spec.containers[name=web].env[name=MODE].value",
                d -> assertThat(d.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .getEnv()
                                .get(0)
                                .getValue())
                        .isEqualTo("fast"));
    }

    @Test
    void aRemovedLabelIsDriftThatDeployRepairsAlone() {
        assertRepaired(
                "labelled",
                "kubectl-label",
                d -> new DeploymentBuilder(d)
                        .editMetadata()
                        .removeFromLabels("tier")
                        .endMetadata()
                        .build(),
                ".metadata.labels.tier",
                d -> assertThat(d.getMetadata().getLabels()).containsEntry("tier", "front"));
    }

    @Test
    void replicasAnAutoscalerOfTheAppOwnsAreNotDrift() {
        String hpa = """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  minReplicas: 2
                  maxReplicas: 10
                """;
        TestApp app = new TestApp(root, "scaled-by-hpa").manifest("web.yaml", web("scaled-by-hpa") + "---\n" + hpa);
        Rendering rendering = app.render(clusters, false);
        assertThat(engine.deploy(rendering, options(), DeployListener.NONE).succeeded())
                .isTrue();
        MockCluster east = clusters.cluster("east-1");
        assertThat(deployment(east, "scaled-by-hpa").getMetadata().getManagedFields())
                .filteredOn(m -> m.getManager().equals("slipway"))
                .singleElement()
                .satisfies(m -> assertThat(
                                m.getFieldsV1().getAdditionalProperties().toString())
                        .as("Slipway leaves replicas to the autoscaler")
                        .contains("f:template")
                        .doesNotContain("f:replicas"));
        // What the HPA controller does through the scale subresource: an update by its own field manager.
        east.clientAs("kube-controller-manager")
                .apps()
                .deployments()
                .inNamespace("scaled-by-hpa")
                .withName("web")
                .edit(d -> new DeploymentBuilder(d)
                        .editSpec()
                        .withReplicas(7)
                        .endSpec()
                        .build());
        clusters.all().forEach(MockCluster::clearWrites);

        Plan plan = engine.plan(rendering);
        DeployReport again = engine.deploy(rendering, options(), DeployListener.NONE);

        assertThat(plan.hasChanges()).isFalse();
        assertThat(again.unchanged()).isTrue();
        clusters.all()
                .forEach(
                        c -> assertThat(c.writes()).as("writes to %s", c.name()).isEmpty());
        assertThat(engine.status(EnvironmentTarget.of(rendering))).noneMatch(ClusterStatus::isDrifted);
        assertThat(deployment(east, "scaled-by-hpa").getSpec().getReplicas()).isEqualTo(7);
    }

    @Test
    void aFieldAnotherApplierClaimedIsDriftThatOnlyForceTakesBack() {
        TestApp app = new TestApp(root, "claimed").manifest("web.yaml", web("claimed"));
        Rendering rendering = app.render(clusters, false);
        assertThat(engine.deploy(rendering, options(), DeployListener.NONE).succeeded())
                .isTrue();
        MockCluster east = clusters.cluster("east-1");
        east.client()
                .apps()
                .deployments()
                .inNamespace("claimed")
                .resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withName("web")
                        .withNamespace("claimed")
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(9)
                        .endSpec()
                        .build())
                .fieldManager("platform-team")
                .forceConflicts()
                .serverSideApply();

        PlannedChange drifted = driftedOn(engine.plan(rendering), "east-1");
        DeployReport refused = engine.deploy(rendering, options(), DeployListener.NONE);

        assertThat(drifted.drift()).containsExactly(new DriftedField(".spec.replicas", "platform-team", true));
        assertThat(refused.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(ClusterFailure.Reason.CONFLICT);
            assertThat(f.message()).contains("platform-team", ".spec.replicas");
        });
        assertThat(deployment(east, "claimed").getSpec().getReplicas()).isEqualTo(9);

        DeployReport forced = engine.deploy(rendering, options().withForceConflicts(true), DeployListener.NONE);

        assertThat(forced.problems()).isEmpty();
        assertThat(deployment(east, "claimed").getSpec().getReplicas()).isEqualTo(2);
    }

    /**
     * Deploys {@code namespace}'s app, lets {@code manager} change the Deployment on east-1, then checks that
     * plan and status name the drift there only and that deploy re-applies just that object.
     */
    private void assertRepaired(
            String namespace,
            String manager,
            UnaryOperator<Deployment> change,
            String field,
            java.util.function.Consumer<Deployment> repaired) {
        TestApp app = new TestApp(root, namespace)
                .manifest("web.yaml", web(namespace))
                .manifest("config.yaml", TestApp.configMap("settings", "v1"));
        Rendering rendering = app.render(clusters, false);
        assertThat(engine.deploy(rendering, options(), DeployListener.NONE).succeeded())
                .isTrue();
        MockCluster east = clusters.cluster("east-1");
        east.clientAs(manager)
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName("web")
                .edit(change);
        clusters.all().forEach(MockCluster::clearWrites);

        Plan plan = engine.plan(rendering);
        List<ClusterStatus> status = engine.status(EnvironmentTarget.of(rendering));

        PlannedChange drifted = driftedOn(plan, "east-1");
        assertThat(drifted.ref().name()).isEqualTo("web");
        // A removed field belongs to no manager any more; a changed one to whoever changed it.
        String owner = field.startsWith(".metadata.labels") ? "" : manager;
        assertThat(drifted.drift()).containsExactly(new DriftedField(field, owner, false));
        assertThat(drifted.headline())
                .isEqualTo(
                        "~ Deployment.apps/web (drifted: " + field + (owner.isEmpty() ? "" : " (" + owner + ")") + ")");
        assertThat(plan.clusters().get(0).summary())
                .isEqualTo("0 to create, 0 to update, 1 drifted, 0 to delete, 1 unchanged");
        assertThat(plan.clusters().get(1).hasChanges()).isFalse();
        assertThat(status.get(0).drifted())
                .singleElement()
                .satisfies(d ->
                        assertThat(d.fields()).extracting(DriftedField::path).containsExactly(field));
        assertThat(status.get(0).healthy()).isTrue();
        assertThat(status.get(1).isDrifted()).isFalse();

        DeployReport report = engine.deploy(rendering, options(), DeployListener.NONE);

        assertThat(report.problems()).isEmpty();
        assertThat(report.clusters())
                .extracting(ClusterResult::outcome)
                .containsExactly(ClusterResult.Outcome.DEPLOYED, ClusterResult.Outcome.UNCHANGED);
        assertThat(east.writes())
                .filteredOn(w -> !w.contains("/leases") && !w.contains("/secrets"))
                .containsExactly("PATCH /apis/apps/v1/namespaces/" + namespace + "/deployments/web");
        assertThat(clusters.cluster("west-1").writes()).isEmpty();
        repaired.accept(deployment(east, namespace));

        clusters.all().forEach(MockCluster::clearWrites);
        DeployReport again = engine.deploy(rendering, options(), DeployListener.NONE);

        assertThat(again.unchanged()).as("repaired: nothing left to do").isTrue();
        clusters.all()
                .forEach(
                        c -> assertThat(c.writes()).as("writes to %s", c.name()).isEmpty());
    }

    private static PlannedChange driftedOn(Plan plan, String cluster) {
        return plan.clusters().stream()
                .filter(c -> c.cluster().equals(cluster))
                .findFirst()
                .orElseThrow()
                .changes()
                .stream()
                .filter(c -> c.action() == ChangeAction.DRIFTED)
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no drifted object on " + cluster + ":\n" + plan.describe(false)));
    }

    private static Deployment deployment(MockCluster cluster, String namespace) {
        return cluster.client()
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName("web")
                .get();
    }
}
