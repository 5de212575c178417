package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slipway.core.deploy.HealthState;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.core.manifest.ObjectRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadHealthTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static ObjectHealth health(String yaml) throws Exception {
        JsonNode live = YAML.readTree(yaml);
        return WorkloadHealth.of(ObjectRef.of(live), live);
    }

    @Test
    void aDeploymentWhoseNewSpecTheControllerHasNotSeenIsStillProgressing() throws Exception {
        ObjectHealth h = health("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, generation: 3}
                spec: {replicas: 2}
                status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2}
                """);

        assertThat(h.state()).isEqualTo(HealthState.PROGRESSING);
    }

    @Test
    void aDeploymentWithOldReplicasLeftIsProgressingUntilTheyAreGone() throws Exception {
        ObjectHealth h = health("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, generation: 3}
                spec: {replicas: 2}
                status: {observedGeneration: 3, replicas: 3, updatedReplicas: 2, availableReplicas: 2}
                """);

        assertThat(h).isEqualTo(ObjectHealth.progressing(h.ref(), "1 old replicas pending termination"));
    }

    @Test
    void aDeploymentPastItsProgressDeadlineHasFailed() throws Exception {
        ObjectHealth h = health("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, generation: 1}
                spec: {replicas: 2}
                status:
                  observedGeneration: 1
                  conditions:
                    - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: timed out}
                """);

        assertThat(h.state()).isEqualTo(HealthState.FAILED);
        assertThat(h.message()).contains("progress deadline", "timed out");
    }

    @Test
    void aCompleteRolloutIsHealthy() throws Exception {
        ObjectHealth h = health("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, generation: 4}
                spec: {replicas: 3}
                status: {observedGeneration: 4, replicas: 3, updatedReplicas: 3, availableReplicas: 3}
                """);

        assertThat(h).isEqualTo(ObjectHealth.healthy(h.ref(), "3/3 replicas available"));
    }

    @Test
    void aStatefulSetMidUpdateIsProgressing() throws Exception {
        ObjectHealth h = health("""
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: db, generation: 2}
                spec: {replicas: 3}
                status: {observedGeneration: 2, readyReplicas: 3, updatedReplicas: 3, currentRevision: a, updateRevision: b}
                """);

        assertThat(h.state()).isEqualTo(HealthState.PROGRESSING);
    }

    @Test
    void aDaemonSetIsHealthyWhenEveryScheduledPodIsUpdatedAndAvailable() throws Exception {
        ObjectHealth h = health("""
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: agent, generation: 1}
                status: {observedGeneration: 1, desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4}
                """);

        assertThat(h.state()).isEqualTo(HealthState.HEALTHY);
    }

    @Test
    void jobsAndClaimsFollowTheirConditionsAndPhase() throws Exception {
        assertThat(health("""
                        apiVersion: batch/v1
                        kind: Job
                        metadata: {name: migrate}
                        status: {conditions: [{type: Complete, status: "True"}]}
                        """).state()).isEqualTo(HealthState.HEALTHY);
        assertThat(health("""
                        apiVersion: batch/v1
                        kind: Job
                        metadata: {name: migrate}
                        status: {conditions: [{type: Failed, status: "True", reason: DeadlineExceeded}]}
                        """).state()).isEqualTo(HealthState.FAILED);
        assertThat(health("""
                        apiVersion: v1
                        kind: PersistentVolumeClaim
                        metadata: {name: data}
                        status: {phase: Pending}
                        """).state()).isEqualTo(HealthState.PROGRESSING);
    }

    @Test
    void onlyServicesWithASelectorWaitForEndpoints() throws Exception {
        assertThat(WorkloadHealth.isServiceWithEndpoints(YAML.readTree("""
                        apiVersion: v1
                        kind: Service
                        metadata: {name: web}
                        spec: {selector: {app: web}}
                        """))).isTrue();
        assertThat(WorkloadHealth.isServiceWithEndpoints(YAML.readTree("""
                        apiVersion: v1
                        kind: Service
                        metadata: {name: db}
                        spec: {type: ExternalName, externalName: db.example.com}
                        """))).isFalse();
        ObjectRef web = new ObjectRef("", "Service", "shop", "web");
        assertThat(WorkloadHealth.ofEndpointSlices(web, List.of()).state()).isEqualTo(HealthState.PROGRESSING);
        assertThat(WorkloadHealth.ofEndpointSlices(
                        web,
                        List.of(YAML.readTree("endpoints: [{addresses: [10.0.0.1], conditions: {ready: false}}]"))))
                .isEqualTo(ObjectHealth.progressing(web, "no ready endpoints yet"));
        assertThat(WorkloadHealth.ofEndpointSlices(
                        web,
                        List.of(
                                YAML.readTree("endpoints: [{addresses: [10.0.0.1], conditions: {ready: true}}]"),
                                YAML.readTree("endpoints: [{addresses: [10.0.0.2]}]"))))
                .as("an endpoint without a ready condition counts as ready; slices add up")
                .isEqualTo(ObjectHealth.healthy(web, "2 ready endpoints"));
    }

    @Test
    void aServiceAwaitsEndpointsOnlyWhenAWorkloadOfTheDeployWantsPodsBehindIt() throws Exception {
        JsonNode service = YAML.readTree("""
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: shop}
                spec: {selector: {app: web}}
                """);
        String deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, namespace: %s}
                spec:
                  %s
                  template:
                    metadata: {labels: {app: web, tier: front}}
                """;

        assertThat(WorkloadHealth.awaitsEndpoints(service, List.of(service)))
                .as("its pods belong to another app")
                .isFalse();
        assertThat(WorkloadHealth.awaitsEndpoints(
                        service, List.of(service, YAML.readTree(deployment.formatted("shop", "replicas: 0")))))
                .as("scaled to 0")
                .isFalse();
        assertThat(WorkloadHealth.awaitsEndpoints(
                        service, List.of(service, YAML.readTree(deployment.formatted("other", "replicas: 2")))))
                .as("another namespace")
                .isFalse();
        assertThat(WorkloadHealth.awaitsEndpoints(
                        service, List.of(service, YAML.readTree(deployment.formatted("shop", "replicas: 2")))))
                .isTrue();
        assertThat(WorkloadHealth.awaitsEndpoints(
                        service, List.of(service, YAML.readTree(deployment.formatted("shop", "paused: false")))))
                .as("no replicas field: Kubernetes defaults to 1")
                .isTrue();
    }
}
