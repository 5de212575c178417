package dev.slipway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kube-controller-manager for a mock cluster: watches workloads and marks them ready (or failed,
 * or stuck) the way Kubernetes reports it in their status, creates Endpoints for selector Services and
 * establishes CustomResourceDefinitions. Reacts to watch events; never polls.
 */
final class StandInController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StandInController.class);
    /** Nodes the simulated cluster has, for DaemonSets. */
    private static final int NODES = 3;

    private final KubernetesClient client;
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
    private volatile boolean closed;
    private volatile Function<JsonNode, WorkloadOutcome> outcomes = WorkloadOutcome.BY_ANNOTATION_OR_IMAGE;

    StandInController(KubernetesClient client) {
        this.client = client;
    }

    void outcomes(Function<JsonNode, WorkloadOutcome> rule) {
        this.outcomes = rule;
    }

    void start() {
        watch("apps/v1", "Deployment");
        watch("apps/v1", "StatefulSet");
        watch("apps/v1", "DaemonSet");
        watch("batch/v1", "Job");
        watch("v1", "PersistentVolumeClaim");
        watch("v1", "Service");
        watch("apiextensions.k8s.io/v1", "CustomResourceDefinition");
    }

    private void watch(String apiVersion, String kind) {
        var operation = client.genericKubernetesResources(apiVersion, kind);
        SharedIndexInformer<GenericKubernetesResource> informer = kind.equals("CustomResourceDefinition")
                ? operation.inform(handler(apiVersion, kind), 0)
                : operation.inAnyNamespace().inform(handler(apiVersion, kind), 0);
        informers.add(informer);
    }

    private ResourceEventHandler<GenericKubernetesResource> handler(String apiVersion, String kind) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                reconcile(apiVersion, kind, obj);
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                reconcile(apiVersion, kind, newObj);
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                if (kind.equals("Service")) {
                    client.endpoints()
                            .inNamespace(obj.getMetadata().getNamespace())
                            .withName(obj.getMetadata().getName())
                            .delete();
                }
            }
        };
    }

    private void reconcile(String apiVersion, String kind, GenericKubernetesResource resource) {
        ObjectNode object = client.getKubernetesSerialization().convertValue(resource, ObjectNode.class);
        WorkloadOutcome outcome = outcomes.apply(object);
        try {
            if (kind.equals("Service")) {
                reconcileEndpoints(object, outcome);
                return;
            }
            ObjectNode status = statusFor(kind, object, outcome);
            if (contains(object.path("status"), status)) {
                return; // already reported; writing again would loop on our own update events
            }
            object.set("status", status);
            GenericKubernetesResource updated =
                    client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
            var operation = client.genericKubernetesResources(apiVersion, kind);
            (resource.getMetadata().getNamespace() == null
                            ? operation.resource(updated)
                            : operation
                                    .inNamespace(resource.getMetadata().getNamespace())
                                    .resource(updated))
                    .updateStatus();
        } catch (KubernetesClientException e) {
            // 404: deleted meanwhile, nothing to report on. 409: changed meanwhile; the watch event of that
            // change brings us back here with the new version. Anything else is a bug.
            if (e.getCode() != 404 && e.getCode() != 409 && !closed) {
                throw e;
            }
            LOG.debug(
                    "{} {} changed before its status was set ({})",
                    kind,
                    resource.getMetadata().getName(),
                    e.getCode());
        }
    }

    private void reconcileEndpoints(ObjectNode service, WorkloadOutcome outcome) {
        JsonNode spec = service.path("spec");
        if (!spec.path("selector").isObject()
                || spec.path("selector").isEmpty()
                || spec.path("type").asText().equals("ExternalName")) {
            return;
        }
        String namespace = service.path("metadata").path("namespace").asText();
        String name = service.path("metadata").path("name").asText();
        EndpointsBuilder endpoints = new EndpointsBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata();
        var subset = endpoints.addNewSubset();
        var address = new EndpointAddressBuilder().withIp("10.0.0.1").build();
        if (outcome == WorkloadOutcome.READY) {
            subset.withAddresses(address);
        } else {
            subset.withNotReadyAddresses(address);
        }
        for (JsonNode port : spec.path("ports")) {
            subset.addToPorts(new EndpointPortBuilder()
                    .withName(port.path("name").asText(null))
                    .withPort(
                            port.path("targetPort").isInt()
                                    ? port.path("targetPort").asInt()
                                    : port.path("port").asInt())
                    .withProtocol(port.path("protocol").asText("TCP"))
                    .build());
        }
        subset.endSubset();
        Endpoints wanted = endpoints.build();
        Endpoints current =
                client.endpoints().inNamespace(namespace).withName(name).get();
        if (current != null && current.getSubsets().equals(wanted.getSubsets())) {
            return;
        }
        client.endpoints().inNamespace(namespace).resource(wanted).createOr(NonDeletingOperation::update);
    }

    /** Whether every status field we would set already has that value (then writing again would only loop). */
    private static boolean contains(JsonNode existing, ObjectNode wanted) {
        for (var it = wanted.fields(); it.hasNext(); ) {
            var field = it.next();
            if (!field.getValue().equals(existing.get(field.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static ObjectNode statusFor(String kind, JsonNode object, WorkloadOutcome outcome) {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        long generation = object.path("metadata").path("generation").asLong(1);
        int replicas = object.path("spec").path("replicas").asInt(1);
        boolean ready = outcome == WorkloadOutcome.READY;
        switch (kind) {
            case "Deployment" -> {
                status.put("observedGeneration", generation);
                status.put("replicas", replicas);
                status.put("updatedReplicas", replicas);
                status.put("readyReplicas", ready ? replicas : 0);
                status.put("availableReplicas", ready ? replicas : 0);
                ArrayNode conditions = status.putArray("conditions");
                if (outcome == WorkloadOutcome.FAIL) {
                    condition(
                            conditions,
                            "Progressing",
                            "False",
                            "ProgressDeadlineExceeded",
                            "ReplicaSet has timed out progressing: pods cannot pull their image");
                } else {
                    condition(
                            conditions,
                            "Available",
                            ready ? "True" : "False",
                            ready ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                            "");
                    condition(
                            conditions,
                            "Progressing",
                            "True",
                            ready ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                            "");
                }
            }
            case "StatefulSet" -> {
                String revision = object.path("metadata").path("name").asText() + "-" + generation;
                status.put("observedGeneration", generation);
                status.put("replicas", replicas);
                status.put("readyReplicas", ready ? replicas : 0);
                status.put("availableReplicas", ready ? replicas : 0);
                status.put("currentReplicas", replicas);
                status.put("updatedReplicas", replicas);
                status.put("currentRevision", revision);
                status.put("updateRevision", revision);
            }
            case "DaemonSet" -> {
                status.put("observedGeneration", generation);
                status.put("desiredNumberScheduled", NODES);
                status.put("currentNumberScheduled", NODES);
                status.put("updatedNumberScheduled", NODES);
                status.put("numberReady", ready ? NODES : 0);
                status.put("numberAvailable", ready ? NODES : 0);
                status.put("numberMisscheduled", 0);
            }
            case "Job" -> {
                ArrayNode conditions = status.putArray("conditions");
                if (ready) {
                    status.put("succeeded", 1);
                    status.put("active", 0);
                    condition(conditions, "Complete", "True", "", "");
                } else if (outcome == WorkloadOutcome.FAIL) {
                    status.put("failed", 1);
                    status.put("active", 0);
                    condition(
                            conditions,
                            "Failed",
                            "True",
                            "BackoffLimitExceeded",
                            "Job has reached the specified backoff limit");
                } else {
                    status.put("active", 1);
                }
            }
            case "PersistentVolumeClaim" -> status.put("phase", ready ? "Bound" : "Pending");
            case "CustomResourceDefinition" -> {
                status.set("acceptedNames", object.path("spec").path("names").deepCopy());
                ArrayNode conditions = status.putArray("conditions");
                condition(conditions, "NamesAccepted", "True", "NoConflicts", "");
                condition(conditions, "Established", "True", "InitialNamesAccepted", "");
            }
            default -> throw new IllegalArgumentException("no stand-in status for kind " + kind);
        }
        return status;
    }

    private static void condition(ArrayNode conditions, String type, String status, String reason, String message) {
        ObjectNode c = conditions.addObject();
        c.put("type", type);
        c.put("status", status);
        if (!reason.isEmpty()) {
            c.put("reason", reason);
        }
        if (!message.isEmpty()) {
            c.put("message", message);
        }
    }

    @Override
    public void close() {
        closed = true; // requests in flight now fail by design
        informers.forEach(SharedIndexInformer::close);
        client.close();
    }
}
