package dev.slipway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kube-controller-manager for a mock cluster: watches workloads and marks them ready (or failed,
 * or stuck) the way Kubernetes reports it in their status, publishes EndpointSlices (and the deprecated
 * Endpoints) for selector Services (one endpoint per replica of the workloads the selector picks, ready as
 * their replicas are) and
 * establishes CustomResourceDefinitions. Reacts to watch events; never polls.
 */
final class StandInController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StandInController.class);
    /** Kinds whose pods a Service can select. */
    private static final List<String> POD_OWNERS = List.of("Deployment", "StatefulSet", "DaemonSet");
    /** Nodes the simulated cluster has, for DaemonSets. */
    private static final int NODES = 3;

    private final KubernetesClient client;
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
    /** Informers by kind, whose caches tell which pods a Service's selector would pick. */
    private final Map<String, SharedIndexInformer<GenericKubernetesResource>> byKind = new ConcurrentHashMap<>();

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
        byKind.put(kind, informer);
    }

    private ResourceEventHandler<GenericKubernetesResource> handler(String apiVersion, String kind) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                reconcile(apiVersion, kind, obj);
                publishEndpoints(kind, obj.getMetadata().getNamespace());
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                reconcile(apiVersion, kind, newObj);
                publishEndpoints(kind, newObj.getMetadata().getNamespace());
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                if (kind.equals("Service")) {
                    endpointSlices()
                            .inNamespace(obj.getMetadata().getNamespace())
                            .withName(sliceName(obj.getMetadata().getName()))
                            .delete();
                    client.endpoints()
                            .inNamespace(obj.getMetadata().getNamespace())
                            .withName(obj.getMetadata().getName())
                            .delete();
                }
                publishEndpoints(kind, obj.getMetadata().getNamespace());
            }
        };
    }

    private void reconcile(String apiVersion, String kind, GenericKubernetesResource resource) {
        ObjectNode object = client.getKubernetesSerialization().convertValue(resource, ObjectNode.class);
        WorkloadOutcome outcome = outcomes.apply(object);
        try {
            if (kind.equals("Service")) {
                return; // see publishEndpoints
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

    /**
     * After a Service or pod-owning workload changed in {@code namespace}: brings each selector Service's
     * EndpointSlice in line with the replicas its selector picks there, as Kubernetes' EndpointSlice controller
     * does from pods (the annotation {@link WorkloadOutcome#ANNOTATION} on a Service keeps its endpoints
     * unready). Synchronized: the Service and workload informers call it from their own threads, and each call
     * reads the other informers' caches before it writes; unserialized, a call that read a cache before a
     * workload became ready could write its stale slice after the call that saw it ready, and the Service would
     * stay unready for good.
     */
    private synchronized void publishEndpoints(String kind, String namespace) {
        if (namespace == null || !(kind.equals("Service") || POD_OWNERS.contains(kind)) || closed) {
            return;
        }
        SharedIndexInformer<GenericKubernetesResource> services = byKind.get("Service");
        if (services == null) {
            return;
        }
        try {
            for (GenericKubernetesResource service : services.getStore().list()) {
                if (namespace.equals(service.getMetadata().getNamespace())) {
                    publishEndpoints(client.getKubernetesSerialization().convertValue(service, ObjectNode.class));
                }
            }
        } catch (KubernetesClientException e) {
            // 404/409: the Service or slice changed meanwhile; its own watch event brings us back.
            if (e.getCode() != 404 && e.getCode() != 409 && !closed) {
                throw e;
            }
            LOG.debug("endpoints of namespace {} changed while being published ({})", namespace, e.getCode());
        }
    }

    private void publishEndpoints(ObjectNode service) {
        JsonNode spec = service.path("spec");
        JsonNode selector = spec.path("selector");
        if (!selector.isObject()
                || selector.isEmpty()
                || spec.path("type").asText().equals("ExternalName")) {
            return;
        }
        String namespace = service.path("metadata").path("namespace").asText();
        String name = service.path("metadata").path("name").asText();
        int wanted = 0;
        int ready = 0;
        for (String kind : POD_OWNERS) {
            SharedIndexInformer<GenericKubernetesResource> informer = byKind.get(kind);
            if (informer == null) {
                continue;
            }
            for (GenericKubernetesResource resource : informer.getStore().list()) {
                JsonNode workload = client.getKubernetesSerialization().convertValue(resource, ObjectNode.class);
                if (!namespace.equals(
                                workload.path("metadata").path("namespace").asText())
                        || !selects(
                                selector,
                                workload.path("spec")
                                        .path("template")
                                        .path("metadata")
                                        .path("labels"))) {
                    continue;
                }
                JsonNode status = workload.path("status");
                if (kind.equals("DaemonSet")) {
                    wanted += status.path("desiredNumberScheduled").asInt(0);
                    ready += status.path("numberReady").asInt(0);
                } else {
                    wanted += workload.path("spec").path("replicas").asInt(1);
                    ready += status.path("readyReplicas").asInt(0);
                }
            }
        }
        if (outcomes.apply(service) != WorkloadOutcome.READY) {
            ready = 0;
        }
        ObjectNode slice = JsonNodeFactory.instance.objectNode();
        slice.put("apiVersion", "discovery.k8s.io/v1");
        slice.put("kind", "EndpointSlice");
        ObjectNode metadata = slice.putObject("metadata");
        metadata.put("name", sliceName(name));
        metadata.put("namespace", namespace);
        ObjectNode labels = metadata.putObject("labels");
        labels.put("kubernetes.io/service-name", name);
        labels.put("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
        slice.put("addressType", "IPv4");
        ArrayNode endpoints = slice.putArray("endpoints");
        for (int i = 0; i < Math.max(wanted, ready); i++) {
            ObjectNode endpoint = endpoints.addObject();
            endpoint.putArray("addresses").add("10.0." + (i / 250) + "." + (i % 250 + 1));
            endpoint.putObject("conditions").put("ready", i < ready);
        }
        ArrayNode ports = slice.putArray("ports");
        for (JsonNode port : spec.path("ports")) {
            ObjectNode p = ports.addObject();
            if (port.hasNonNull("name")) {
                p.put("name", port.path("name").asText());
            }
            p.put(
                    "port",
                    port.path("targetPort").isInt()
                            ? port.path("targetPort").asInt()
                            : port.path("port").asInt());
            p.put("protocol", port.path("protocol").asText("TCP"));
        }
        var slices = endpointSlices().inNamespace(namespace);
        GenericKubernetesResource current = slices.withName(sliceName(name)).get();
        if (current != null) {
            JsonNode live = client.getKubernetesSerialization().convertValue(current, ObjectNode.class);
            if (live.path("endpoints").equals(endpoints) && live.path("ports").equals(ports)) {
                return;
            }
        }
        slices.resource(client.getKubernetesSerialization().convertValue(slice, GenericKubernetesResource.class))
                .createOr(NonDeletingOperation::update);
        publishLegacyEndpoints(namespace, name, slice);
    }

    /**
     * The same endpoints as a (deprecated) Endpoints object, which Kubernetes still maintains: tools that read
     * it, such as older Slipway builds compared in benchmarks, see the same readiness.
     */
    private void publishLegacyEndpoints(String namespace, String name, ObjectNode slice) {
        ObjectNode endpoints = JsonNodeFactory.instance.objectNode();
        endpoints.put("apiVersion", "v1");
        endpoints.put("kind", "Endpoints");
        endpoints.putObject("metadata").put("name", name).put("namespace", namespace);
        ObjectNode subset = endpoints.putArray("subsets").addObject();
        for (JsonNode endpoint : slice.path("endpoints")) {
            boolean ready = endpoint.path("conditions").path("ready").asBoolean();
            subset.withArray(ready ? "addresses" : "notReadyAddresses")
                    .addObject()
                    .put("ip", endpoint.path("addresses").path(0).asText());
        }
        subset.set("ports", slice.path("ports").deepCopy());
        client.resource(client.getKubernetesSerialization().convertValue(endpoints, GenericKubernetesResource.class))
                .inNamespace(namespace)
                .createOr(NonDeletingOperation::update);
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        for (var it = selector.fields(); it.hasNext(); ) {
            var term = it.next();
            if (!term.getValue().asText().equals(labels.path(term.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    /** Real slices are named {@code <service>-<random>}; one fixed suffix is enough with one slice per Service. */
    private static String sliceName(String service) {
        return service + "-testkit";
    }

    private MixedOperation<
                    GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
            endpointSlices() {
        return client.genericKubernetesResources(new ResourceDefinitionContext.Builder()
                .withGroup("discovery.k8s.io")
                .withVersion("v1")
                .withKind("EndpointSlice")
                .withPlural("endpointslices")
                .withNamespaced(true)
                .build());
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
