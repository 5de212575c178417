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
import org.junit.jupiter.api.BeforeEach;
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

    @BeforeEach
    void freshLogs() {
        // One cluster serves every test: each looks at its own writes only.
        cluster.clearWrites();
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
    void anUpdateTakesOverTheFieldsItChangesAsManagedFieldsShow() {
        var configMaps = cluster.client().configMaps().inNamespace("default");
        var applied = configMap(Map.of("a", "1", "b", "2"));
        applied.getMetadata().setName("owned");
        configMaps.resource(applied).fieldManager("slipway").serverSideApply();

        cluster.clientAs("kubectl-edit")
                .configMaps()
                .inNamespace("default")
                .withName("owned")
                .edit(cm -> new ConfigMapBuilder(cm).addToData("b", "3").build());

        var managed = configMaps.withName("owned").get().getMetadata().getManagedFields();
        assertThat(managed)
                .filteredOn(m -> m.getManager().equals("slipway"))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.getOperation()).isEqualTo("Apply");
                    assertThat(m.getFieldsV1().getAdditionalProperties().toString())
                            .contains("f:a")
                            .doesNotContain("f:b");
                });
        assertThat(managed)
                .filteredOn(m -> m.getManager().equals("kubectl-edit"))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.getOperation()).isEqualTo("Update");
                    assertThat(m.getFieldsV1().getAdditionalProperties().toString())
                            .contains("f:b");
                });
        assertThatThrownBy(() ->
                        configMaps.resource(applied).fieldManager("slipway").serverSideApply())
                .as("the API server makes the applier force to take it back")
                .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(409));
    }

    @Test
    void aSecretsStringDataIsStoredAsData() {
        var secrets = cluster.client().secrets().inNamespace("default");
        secrets.resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                        .withNewMetadata()
                        .withName("db")
                        .endMetadata()
                        .addToStringData("password", "hunter2")
                        .build())
                .fieldManager("slipway")
                .serverSideApply();

        var stored = secrets.withName("db").get();
        assertThat(stored.getStringData()).isNullOrEmpty();
        assertThat(stored.getData()).containsEntry("password", "aHVudGVyMg==");
    }

    @Test
    void theNthWriteFailsWith500AndLaterOnesSucceed() {
        var configMaps = cluster.client().configMaps().inNamespace("default");
        cluster.failWrite(2);
        var first = configMap(Map.of("n", "1"));
        first.getMetadata().setName("first");
        var second = configMap(Map.of("n", "2"));
        second.getMetadata().setName("second");
        var third = configMap(Map.of("n", "3"));
        third.getMetadata().setName("third");

        configMaps.resource(first).create();
        assertThatThrownBy(() -> configMaps.resource(second).create())
                .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(500));
        configMaps.resource(third).create();

        assertThat(configMaps.withName("second").get()).isNull();
        assertThat(configMaps.withName("third").get()).isNotNull();
    }

    @Test
    void endpointSlicesFollowTheReplicasTheServiceSelects() {
        var deployments = cluster.client().apps().deployments().inNamespace("default");
        deployments
                .resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withName("api")
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(3)
                        .withNewTemplate()
                        .withNewMetadata()
                        .addToLabels("app", "api")
                        .endMetadata()
                        .endTemplate()
                        .endSpec()
                        .build())
                .create();
        cluster.client()
                .services()
                .inNamespace("default")
                .resource(new io.fabric8.kubernetes.api.model.ServiceBuilder()
                        .withNewMetadata()
                        .withName("api")
                        .endMetadata()
                        .withNewSpec()
                        .addToSelector("app", "api")
                        .addNewPort()
                        .withPort(80)
                        .endPort()
                        .endSpec()
                        .build())
                .create();
        var slices = cluster.client()
                .genericKubernetesResources("discovery.k8s.io/v1", "EndpointSlice")
                .inNamespace("default")
                .withLabel("kubernetes.io/service-name", "api");

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(slices.list().getItems())
                        .singleElement()
                        .satisfies(slice -> assertThat(((java.util.List<?>)
                                        slice.getAdditionalProperties().get("endpoints")))
                                .hasSize(3)));

        deployments
                .withName("api")
                .edit(d -> new DeploymentBuilder(d)
                        .editSpec()
                        .withReplicas(0)
                        .endSpec()
                        .build());

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(slices.list().getItems())
                        .singleElement()
                        .satisfies(slice -> assertThat(((java.util.List<?>)
                                        slice.getAdditionalProperties().get("endpoints")))
                                .isEmpty()));
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
            var ok = deployments.withName("ok").get();
            var broken = deployments.withName("broken").get();
            assertThat(ok.getStatus()).isNotNull();
            assertThat(broken.getStatus()).isNotNull();
            assertThat(ok.getStatus().getAvailableReplicas()).isEqualTo(2);
            assertThat(broken.getStatus().getConditions())
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
