package dev.slipway.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MockClusterTest {
    static MockCluster cluster;

    @BeforeAll
    static void start() {
        cluster = MockCluster.start("test-1");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static ConfigMap configMap(Map<String, String> data) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName("settings")
                .withNamespace("default")
                .endMetadata()
                .withData(data)
                .build();
    }

    @Test
    void serverSideApplyCreatesThenDropsFieldsTheManagerNoLongerDeclares() {
        var configMaps = cluster.client().configMaps().inNamespace("default");
        configMaps
                .resource(configMap(Map.of("a", "1", "b", "2")))
                .fieldManager("me")
                .serverSideApply();

        configMaps.resource(configMap(Map.of("a", "1"))).fieldManager("me").serverSideApply();

        assertThat(configMaps.withName("settings").get().getData()).containsExactly(Map.entry("a", "1"));
        assertThat(cluster.writes())
                .allMatch(w -> w.startsWith("PATCH /api/v1/namespaces/default/configmaps/settings"));
    }

    @Test
    void aFieldOwnedByAnotherManagerConflictsUnlessForced() {
        var configMaps = cluster.client().configMaps().inNamespace("default");
        var other = configMap(Map.of("owner", "them"));
        other.getMetadata().setName("shared");
        configMaps.resource(other).fieldManager("them").serverSideApply();
        var mine = configMap(Map.of("owner", "me"));
        mine.getMetadata().setName("shared");

        assertThatThrownBy(() -> configMaps.resource(mine).fieldManager("me").serverSideApply())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getDetails().getCauses())
                            .singleElement()
                            .satisfies(c -> {
                                assertThat(c.getMessage()).isEqualTo("conflict with \"them\"");
                                assertThat(c.getField()).isEqualTo(".data.owner");
                            });
                });

        configMaps.resource(mine).fieldManager("me").forceConflicts().serverSideApply();
        assertThat(configMaps.withName("shared").get().getData()).containsEntry("owner", "me");
    }

    @Test
    void theStandInControllerMakesDeploymentsReadyOrFailsThemAsTold() {
        var deployments = cluster.client().apps().deployments().inNamespace("default");
        deployments
                .resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withName("ok")
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(2)
                        .endSpec()
                        .build())
                .create();
        deployments
                .resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withName("broken")
                        .addToAnnotations(WorkloadOutcome.ANNOTATION, "fail")
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(2)
                        .endSpec()
                        .build())
                .create();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(deployments.withName("ok").get().getStatus().getAvailableReplicas())
                    .isEqualTo(2);
            assertThat(deployments.withName("broken").get().getStatus().getConditions())
                    .anySatisfy(c -> assertThat(c.getReason()).isEqualTo("ProgressDeadlineExceeded"));
        });
    }

    @Test
    void rejectedCredentialsAnswer401() {
        cluster.rejectCredentials(true);
        try {
            assertThatThrownBy(() ->
                            cluster.client().configMaps().inNamespace("default").list())
                    .isInstanceOfSatisfying(
                            KubernetesClientException.class,
                            e -> assertThat(e.getCode()).isEqualTo(401));
        } finally {
            cluster.rejectCredentials(false);
        }
    }

    @Test
    void discoveryDescribesBuiltInKindsForKubectl() {
        String v1 = cluster.client().raw(cluster.url() + "/api/v1");

        assertThat(v1)
                .contains("\"name\":\"namespaces\",\"singularName\":\"\",\"namespaced\":false,\"kind\":\"Namespace\"");
    }
}
