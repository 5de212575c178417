package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slipway.core.deploy.HealthState;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.core.manifest.ObjectRef;
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
        assertThat(WorkloadHealth.ofEndpoints(web, null).state()).isEqualTo(HealthState.PROGRESSING);
        assertThat(WorkloadHealth.ofEndpoints(web, YAML.readTree("subsets: [{addresses: [{ip: 10.0.0.1}]}]")))
                .isEqualTo(ObjectHealth.healthy(web, "1 ready endpoint"));
    }
}
