package dev.slipway.kube;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.core.manifest.ObjectRef;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes' own readiness rules for the kinds a deploy waits on, as pure functions of the live object, so
 * they are tested without a cluster and shared by waiting and status.
 */
final class WorkloadHealth {
    /** Kinds whose readiness is in their own status; everything else is healthy once applied (selector Services aside). */
    static final Set<String> WATCHED_KINDS =
            Set.of("Deployment", "StatefulSet", "DaemonSet", "Job", "PersistentVolumeClaim");

    private WorkloadHealth() {}

    /** Workload kinds whose pods a Service's selector can pick, with whether they want any. */
    private static final Set<String> POD_OWNERS = Set.of("Deployment", "StatefulSet", "ReplicaSet", "DaemonSet");

    /** Label EndpointSlices carry naming the Service they belong to. */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** Services routing to pods by selector; only those can have endpoints to wait for. */
    static boolean isServiceWithEndpoints(JsonNode object) {
        if (!object.path("kind").asText().equals("Service")
                || !ObjectRef.of(object).group().isEmpty()) {
            return false;
        }
        JsonNode spec = object.path("spec");
        return !spec.path("type").asText().equals("ExternalName")
                && spec.path("selector").isObject()
                && !spec.path("selector").isEmpty();
    }

    /**
     * Whether a selector Service of this deploy should get ready endpoints: only when a workload of the same
     * deploy, whose pods it selects, wants pods. A Service in front of workloads scaled to 0, or of another
     * app, has nothing to become ready with, and Kubernetes considers it fine.
     */
    static boolean awaitsEndpoints(JsonNode service, List<? extends JsonNode> objects) {
        if (!isServiceWithEndpoints(service)) {
            return false;
        }
        String namespace = service.path("metadata").path("namespace").asText("");
        JsonNode selector = service.path("spec").path("selector");
        for (JsonNode object : objects) {
            if (!POD_OWNERS.contains(object.path("kind").asText())
                    || !ObjectRef.of(object).group().equals("apps")
                    || !object.path("metadata").path("namespace").asText("").equals(namespace)) {
                continue;
            }
            JsonNode labels =
                    object.path("spec").path("template").path("metadata").path("labels");
            boolean selected = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext() && selected; ) {
                Map.Entry<String, JsonNode> term = it.next();
                selected = term.getValue()
                        .asText()
                        .equals(labels.path(term.getKey()).asText(null));
            }
            // No replicas field means Kubernetes' default of 1 (or an autoscaler's minimum, at least 1).
            boolean wantsPods = object.path("kind").asText().equals("DaemonSet")
                    || object.path("spec").path("replicas").asInt(1) > 0;
            if (selected && wantsPods) {
                return true;
            }
        }
        return false;
    }

    /** What a Service with nothing to wait for reports. */
    static ObjectHealth withoutEndpoints(ObjectRef service) {
        return ObjectHealth.healthy(service, "applied (no workload of this deploy wants pods behind it)");
    }

    /** Health of a live object of one of {@link #WATCHED_KINDS}; {@code live} null means not created yet. */
    static ObjectHealth of(ObjectRef ref, JsonNode live) {
        if (live == null) {
            return ObjectHealth.progressing(ref, "not found");
        }
        return switch (ref.kind()) {
            case "Deployment" -> deployment(ref, live);
            case "StatefulSet" -> statefulSet(ref, live);
            case "DaemonSet" -> daemonSet(ref, live);
            case "Job" -> job(ref, live);
            case "PersistentVolumeClaim" -> claim(ref, live);
            default -> ObjectHealth.healthy(ref, "applied");
        };
    }

    /**
     * Health of a selector Service from its EndpointSlices (discovery.k8s.io/v1, labelled {@link
     * #SERVICE_NAME_LABEL}): healthy once one endpoint is ready. An endpoint without a ready condition counts as
     * ready, as the API documents for consumers.
     */
    static ObjectHealth ofEndpointSlices(ObjectRef service, List<? extends JsonNode> slices) {
        int ready = 0;
        for (JsonNode slice : slices) {
            for (JsonNode endpoint : slice.path("endpoints")) {
                if (endpoint.path("conditions").path("ready").asBoolean(true)) {
                    ready++;
                }
            }
        }
        return ready > 0
                ? ObjectHealth.healthy(service, ready + " ready endpoint" + (ready == 1 ? "" : "s"))
                : ObjectHealth.progressing(service, "no ready endpoints yet");
    }

    private static ObjectHealth deployment(ObjectRef ref, JsonNode live) {
        if (!observed(live)) {
            return ObjectHealth.progressing(ref, "waiting for the controller to see the new spec");
        }
        JsonNode progressing = condition(live, "Progressing");
        if (progressing != null
                && progressing.path("status").asText().equals("False")
                && progressing.path("reason").asText().equals("ProgressDeadlineExceeded")) {
            return ObjectHealth.failed(
                    ref,
                    "rollout exceeded its progress deadline: "
                            + progressing.path("message").asText(""));
        }
        int desired = live.path("spec").path("replicas").asInt(1);
        JsonNode status = live.path("status");
        int updated = status.path("updatedReplicas").asInt(0);
        int total = status.path("replicas").asInt(0);
        int available = status.path("availableReplicas").asInt(0);
        if (updated < desired) {
            return ObjectHealth.progressing(ref, updated + "/" + desired + " replicas updated");
        }
        if (total > updated) {
            return ObjectHealth.progressing(ref, (total - updated) + " old replicas pending termination");
        }
        if (available < updated) {
            return ObjectHealth.progressing(ref, available + "/" + desired + " replicas available");
        }
        return ObjectHealth.healthy(ref, available + "/" + desired + " replicas available");
    }

    private static ObjectHealth statefulSet(ObjectRef ref, JsonNode live) {
        if (!observed(live)) {
            return ObjectHealth.progressing(ref, "waiting for the controller to see the new spec");
        }
        int desired = live.path("spec").path("replicas").asInt(1);
        JsonNode status = live.path("status");
        int ready = status.path("readyReplicas").asInt(0);
        boolean rolling = !live.path("spec")
                .path("updateStrategy")
                .path("type")
                .asText("RollingUpdate")
                .equals("OnDelete");
        if (rolling) {
            int updated = status.path("updatedReplicas").asInt(0);
            String current = status.path("currentRevision").asText("");
            String update = status.path("updateRevision").asText("");
            if (updated < desired || (!update.isEmpty() && !update.equals(current))) {
                return ObjectHealth.progressing(ref, updated + "/" + desired + " replicas updated");
            }
        }
        if (ready < desired) {
            return ObjectHealth.progressing(ref, ready + "/" + desired + " replicas ready");
        }
        return ObjectHealth.healthy(ref, ready + "/" + desired + " replicas ready");
    }

    private static ObjectHealth daemonSet(ObjectRef ref, JsonNode live) {
        if (!observed(live)) {
            return ObjectHealth.progressing(ref, "waiting for the controller to see the new spec");
        }
        JsonNode status = live.path("status");
        int desired = status.path("desiredNumberScheduled").asInt(0);
        int updated = status.path("updatedNumberScheduled").asInt(0);
        int available = status.path("numberAvailable").asInt(0);
        if (updated < desired) {
            return ObjectHealth.progressing(ref, updated + "/" + desired + " pods updated");
        }
        if (available < desired) {
            return ObjectHealth.progressing(ref, available + "/" + desired + " pods available");
        }
        return ObjectHealth.healthy(ref, available + "/" + desired + " pods available");
    }

    private static ObjectHealth job(ObjectRef ref, JsonNode live) {
        JsonNode failed = condition(live, "Failed");
        if (failed != null && failed.path("status").asText().equals("True")) {
            return ObjectHealth.failed(
                    ref,
                    "job failed: " + failed.path("reason").asText("") + " "
                            + failed.path("message").asText(""));
        }
        JsonNode complete = condition(live, "Complete");
        if (complete != null && complete.path("status").asText().equals("True")) {
            return ObjectHealth.healthy(ref, "job succeeded");
        }
        JsonNode status = live.path("status");
        return ObjectHealth.progressing(
                ref,
                status.path("active").asInt(0) + " active, "
                        + status.path("succeeded").asInt(0) + " succeeded");
    }

    private static ObjectHealth claim(ObjectRef ref, JsonNode live) {
        String phase = live.path("status").path("phase").asText("Pending");
        return switch (phase) {
            case "Bound" -> ObjectHealth.healthy(ref, "bound");
            case "Lost" -> ObjectHealth.failed(ref, "volume lost");
            default -> ObjectHealth.progressing(ref, "phase " + phase);
        };
    }

    private static boolean observed(JsonNode live) {
        long generation = live.path("metadata").path("generation").asLong(0);
        return live.path("status").path("observedGeneration").asLong(-1) >= generation;
    }

    private static JsonNode condition(JsonNode live, String type) {
        for (JsonNode condition : live.path("status").path("conditions")) {
            if (condition.path("type").asText().equals(type)) {
                return condition;
            }
        }
        return null;
    }
}
