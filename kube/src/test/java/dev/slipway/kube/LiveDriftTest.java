package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slipway.core.plan.Drift;
import dev.slipway.core.plan.DriftedField;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What counts as drift once the API server has stored an object in its own form. */
class LiveDriftTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static ObjectNode yaml(String text) throws Exception {
        return (ObjectNode) YAML.readTree(text);
    }

    static final String DESIRED = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
              labels: {tier: front}
              annotations: {}
            spec:
              replicas: 2
              template:
                metadata:
                  creationTimestamp: null
                  labels: {app: web}
                spec:
                  containers:
                    - name: web
                      image: shop/web:1
                      ports:
                        - containerPort: 8080
                      resources:
                        requests: {cpu: 0.5, memory: 1073741824}
                        limits: {cpu: "1", memory: 1Gi}
            """;

    /** How an API server returns it: defaults added, quantities canonical, a sidecar injected, no ownership. */
    static final String STORED = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
              uid: 1234
              resourceVersion: "77"
              generation: 3
              labels: {tier: front, injected-by: mesh}
            spec:
              replicas: 2
              progressDeadlineSeconds: 600
              strategy: {type: RollingUpdate}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  restartPolicy: Always
                  containers:
                    - name: mesh-proxy
                      image: mesh/proxy:3
                    - name: web
                      image: shop/web:1
                      imagePullPolicy: IfNotPresent
                      terminationMessagePath: /dev/termination-log
                      ports:
                        - containerPort: 8080
                          protocol: TCP
                      resources:
                        requests: {cpu: 500m, memory: 1Gi}
                        limits: {cpu: 1, memory: "1073741824"}
            status: {replicas: 2}
            """;

    @Test
    void defaultsCanonicalQuantitiesAndItemsOthersAddAreNotDrift() throws Exception {
        assertThat(LiveDrift.between(yaml(DESIRED), yaml(STORED))).isEmpty();
    }

    @Test
    void aChangedValueInsideAListItemIsNamedByItsMergeKey() throws Exception {
        ObjectNode live = yaml(STORED.replace("image: shop/web:1", "image: shop/web:hotfix")
                .replace("requests: {cpu: 500m", "requests: {cpu: 750m"));

        Optional<Drift> drift = LiveDrift.between(yaml(DESIRED), live);

        assertThat(drift).hasValueSatisfying(d -> {
            assertThat(d.fields())
                    .extracting(DriftedField::path)
                    .containsExactly(
                            ".spec.template.spec.containers[name=web].image",
                            ".spec.template.spec.containers[name=web].resources.requests.cpu");
            assertThat(d.live().at("/spec/template/spec/containers/0/image").asText())
                    .isEqualTo("shop/web:hotfix");
            assertThat(d.live().at("/spec/replicas").asInt())
                    .as("undrifted fields keep their desired value")
                    .isEqualTo(2);
        });
    }

    @Test
    void aFieldSlipwayStillOwnsIsNotDriftWhateverItsValue() throws Exception {
        // e.g. an admission webhook pinned the image to a digest during Slipway's own apply.
        ObjectNode live = yaml(STORED.replace("image: shop/web:1", "image: shop/web@sha256:abc"));
        live.with("metadata").putArray("managedFields").add(yaml("""
                manager: slipway
                operation: Apply
                fieldsV1:
                  f:spec:
                    f:replicas: {}
                    f:template:
                      f:spec:
                        f:containers:
                          k:{"name":"web"}:
                            .: {}
                            f:image: {}
                """));
        ObjectNode scaled = live.deepCopy();
        scaled.with("spec").put("replicas", 5);
        ((com.fasterxml.jackson.databind.node.ArrayNode) scaled.at("/metadata/managedFields")).add(yaml("""
                manager: kubectl-scale
                operation: Update
                subresource: scale
                fieldsV1: {f:spec: {f:replicas: {}}}
                """));
        ((ObjectNode) scaled.at("/metadata/managedFields/0/fieldsV1/f:spec")).remove("f:replicas");

        assertThat(LiveDrift.between(yaml(DESIRED), live)).isEmpty();
        assertThat(LiveDrift.between(yaml(DESIRED), scaled))
                .hasValueSatisfying(d -> assertThat(d.fields())
                        .containsExactly(new DriftedField(".spec.replicas", "kubectl-scale", false)));
    }

    @Test
    void replicasAnAutoscalerOutsideTheAppScaledAreNotDrift() throws Exception {
        ObjectNode live = yaml(STORED.replace("replicas: 2", "replicas: 6"));
        live.with("metadata").putArray("managedFields").add(yaml("""
                manager: slipway
                operation: Apply
                fieldsV1: {f:metadata: {f:labels: {f:tier: {}}}}
                """)).add(yaml("""
                manager: kube-controller-manager
                operation: Update
                subresource: scale
                fieldsV1: {f:spec: {f:replicas: {}}}
                """));

        assertThat(LiveDrift.between(yaml(DESIRED), live)).isEmpty();
    }

    @Test
    void intOrStringPortsAndNumbersWrittenAsStringsAreNotDrift() throws Exception {
        ObjectNode desired = yaml("""
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: shop}
                spec:
                  ports:
                    - {port: 80, targetPort: "8080"}
                """);
        ObjectNode live = yaml("""
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: shop}
                spec:
                  clusterIP: 10.96.0.12
                  ports:
                    - {port: 80, targetPort: 8080, protocol: TCP}
                """);

        assertThat(LiveDrift.between(desired, live)).isEmpty();
        ((ObjectNode) live.at("/spec/ports/0")).put("targetPort", 9090);
        assertThat(LiveDrift.between(desired, live))
                .hasValueSatisfying(d -> assertThat(d.fields())
                        .extracting(DriftedField::path)
                        .containsExactly(".spec.ports[port=80].targetPort"));
    }

    @Test
    void aSecretsStringDataIsComparedWithTheDataItBecomes() throws Exception {
        ObjectNode desired = yaml("""
                apiVersion: v1
                kind: Secret
                metadata: {name: db, namespace: shop}
                stringData: {password: hunter2}
                """);
        ObjectNode live = yaml("""
                apiVersion: v1
                kind: Secret
                metadata: {name: db, namespace: shop}
                type: Opaque
                data: {password: aHVudGVyMg==}
                """);

        assertThat(LiveDrift.between(desired, live)).isEmpty();
        live.with("data").put("password", "c3dvcmRmaXNo");
        assertThat(LiveDrift.between(desired, live)).isPresent();
    }

    @Test
    void aRemovedEnvVarAndAChangedCommandAreDrift() throws Exception {
        ObjectNode desired = yaml("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: migrate, namespace: shop}
                spec:
                  template:
                    spec:
                      containers:
                        - name: migrate
                          command: [migrate, up]
                          env:
                            - {name: A, value: "1"}
                            - {name: B, value: "2"}
                """);
        ObjectNode live = yaml("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: migrate, namespace: shop}
                spec:
                  template:
                    spec:
                      containers:
                        - name: migrate
                          command: [migrate, down]
                          env:
                            - {name: A, value: "1"}
                """);

        assertThat(LiveDrift.between(desired, live))
                .hasValueSatisfying(d -> assertThat(d.fields())
                        .extracting(DriftedField::path)
                        .containsExactly(
                                ".spec.template.spec.containers[name=migrate].command",
                                ".spec.template.spec.containers[name=migrate].env[name=B]"));
    }

    @Test
    void quantitiesCompareAsKubernetesWritesThem() {
        assertThat(LiveDrift.sameQuantity(TextNode.valueOf("500m"), TextNode.valueOf("0.5")))
                .isTrue();
        assertThat(LiveDrift.sameQuantity(TextNode.valueOf("1Gi"), TextNode.valueOf("1073741824")))
                .isTrue();
        assertThat(LiveDrift.sameQuantity(TextNode.valueOf("1e3"), TextNode.valueOf("1k")))
                .isTrue();
        assertThat(LiveDrift.sameQuantity(TextNode.valueOf("2k"), TextNode.valueOf("2000")))
                .isTrue();
        assertThat(LiveDrift.sameQuantity(TextNode.valueOf("1Gi"), TextNode.valueOf("1G")))
                .isFalse();
        assertThat(LiveDrift.sameQuantity(TextNode.valueOf("fast"), TextNode.valueOf("0.5")))
                .isFalse();
    }
}
