package dev.slipway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * API discovery for the built-in kinds Slipway deploys, which fabric8's mock server does not serve: lets
 * kubectl (which maps kinds to resources through discovery) talk to a simulated cluster, e.g. to compare
 * {@code kubectl apply --server-side} with Slipway in benchmarks. Custom resources are discovered by the mock
 * server itself from the CRDs it stores.
 */
final class Discovery {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** Resource plural, kind, namespaced; per group/version. */
    private record Resource(String plural, String kind, boolean namespaced) {}

    private static final Map<String, List<Resource>> BUILT_IN = new LinkedHashMap<>();

    static {
        BUILT_IN.put(
                "v1",
                List.of(
                        new Resource("namespaces", "Namespace", false),
                        new Resource("configmaps", "ConfigMap", true),
                        new Resource("secrets", "Secret", true),
                        new Resource("services", "Service", true),
                        new Resource("serviceaccounts", "ServiceAccount", true),
                        new Resource("endpoints", "Endpoints", true),
                        new Resource("persistentvolumeclaims", "PersistentVolumeClaim", true),
                        new Resource("persistentvolumes", "PersistentVolume", false),
                        new Resource("pods", "Pod", true),
                        new Resource("resourcequotas", "ResourceQuota", true),
                        new Resource("limitranges", "LimitRange", true),
                        new Resource("events", "Event", true),
                        new Resource("nodes", "Node", false)));
        BUILT_IN.put(
                "apps/v1",
                List.of(
                        new Resource("deployments", "Deployment", true),
                        new Resource("statefulsets", "StatefulSet", true),
                        new Resource("daemonsets", "DaemonSet", true),
                        new Resource("replicasets", "ReplicaSet", true)));
        BUILT_IN.put("batch/v1", List.of(new Resource("jobs", "Job", true), new Resource("cronjobs", "CronJob", true)));
        BUILT_IN.put(
                "autoscaling/v2", List.of(new Resource("horizontalpodautoscalers", "HorizontalPodAutoscaler", true)));
        BUILT_IN.put(
                "autoscaling/v1", List.of(new Resource("horizontalpodautoscalers", "HorizontalPodAutoscaler", true)));
        BUILT_IN.put("policy/v1", List.of(new Resource("poddisruptionbudgets", "PodDisruptionBudget", true)));
        BUILT_IN.put(
                "networking.k8s.io/v1",
                List.of(
                        new Resource("ingresses", "Ingress", true),
                        new Resource("networkpolicies", "NetworkPolicy", true),
                        new Resource("ingressclasses", "IngressClass", false)));
        BUILT_IN.put(
                "rbac.authorization.k8s.io/v1",
                List.of(
                        new Resource("roles", "Role", true),
                        new Resource("rolebindings", "RoleBinding", true),
                        new Resource("clusterroles", "ClusterRole", false),
                        new Resource("clusterrolebindings", "ClusterRoleBinding", false)));
        BUILT_IN.put(
                "apiextensions.k8s.io/v1",
                List.of(new Resource("customresourcedefinitions", "CustomResourceDefinition", false)));
        BUILT_IN.put("coordination.k8s.io/v1", List.of(new Resource("leases", "Lease", true)));
        BUILT_IN.put("storage.k8s.io/v1", List.of(new Resource("storageclasses", "StorageClass", false)));
        BUILT_IN.put("scheduling.k8s.io/v1", List.of(new Resource("priorityclasses", "PriorityClass", false)));
        BUILT_IN.put("discovery.k8s.io/v1", List.of(new Resource("endpointslices", "EndpointSlice", true)));
    }

    private Discovery() {}

    /**
     * The discovery document for {@code path}, if it is one this class answers.
     *
     * @param customGroups group → versions of the CRDs the cluster holds, for {@code /apis}
     */
    static Optional<String> answer(String path, Map<String, List<String>> customGroups) {
        if (path.equals("/api")) {
            ObjectNode versions = JSON.objectNode().put("kind", "APIVersions");
            versions.putArray("versions").add("v1");
            ArrayNode addresses = versions.putArray("serverAddressByClientCIDRs");
            addresses.addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", "127.0.0.1");
            return Optional.of(versions.toString());
        }
        if (path.equals("/apis")) {
            Map<String, List<String>> groups = new LinkedHashMap<>();
            BUILT_IN.keySet().stream()
                    .filter(gv -> gv.contains("/"))
                    .forEach(gv -> groups.computeIfAbsent(
                                    gv.substring(0, gv.indexOf('/')), g -> new java.util.ArrayList<>())
                            .add(gv.substring(gv.indexOf('/') + 1)));
            customGroups.forEach((g, versions) ->
                    groups.computeIfAbsent(g, k -> new java.util.ArrayList<>()).addAll(versions));
            ObjectNode list = JSON.objectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
            ArrayNode items = list.putArray("groups");
            groups.forEach((group, versions) -> {
                ObjectNode g = items.addObject().put("name", group);
                ArrayNode vs = g.putArray("versions");
                versions.forEach(
                        v -> vs.addObject().put("groupVersion", group + "/" + v).put("version", v));
                g.putObject("preferredVersion")
                        .put("groupVersion", group + "/" + versions.get(0))
                        .put("version", versions.get(0));
            });
            return Optional.of(list.toString());
        }
        String groupVersion =
                path.startsWith("/api/") ? path.substring(5) : path.startsWith("/apis/") ? path.substring(6) : "";
        List<Resource> resources = BUILT_IN.get(groupVersion);
        if (resources == null) {
            return Optional.empty();
        }
        ObjectNode list = JSON.objectNode().put("kind", "APIResourceList").put("apiVersion", "v1");
        list.put("groupVersion", groupVersion);
        ArrayNode items = list.putArray("resources");
        for (Resource r : resources) {
            ObjectNode item = items.addObject()
                    .put("name", r.plural())
                    .put("singularName", "")
                    .put("namespaced", r.namespaced())
                    .put("kind", r.kind());
            ArrayNode verbs = item.putArray("verbs");
            List.of("create", "delete", "get", "list", "patch", "update", "watch")
                    .forEach(verbs::add);
        }
        return Optional.of(list.toString());
    }

    /**
     * The mock server lists custom resources without verbs; clients (kubectl) ignore resources that have
     * none, so the standard verbs are added.
     */
    static io.fabric8.mockwebserver.http.MockResponse withVerbs(io.fabric8.mockwebserver.http.MockResponse response) {
        if (response.code() != 200) {
            return response;
        }
        try {
            JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(response.getBody().readUtf8());
            if (body.path("kind").asText().equals("APIResourceList")) {
                for (JsonNode resource : body.path("resources")) {
                    if (resource instanceof ObjectNode r && !r.has("verbs")) {
                        ArrayNode verbs = r.putArray("verbs");
                        List.of("create", "delete", "get", "list", "patch", "update", "watch")
                                .forEach(verbs::add);
                    }
                }
            }
            return response.setBody(body.toString());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the mock server answered discovery with invalid JSON", e);
        }
    }

    /** Group → versions of stored CRDs. */
    static Map<String, List<String>> customGroups(JsonNode crdList) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (JsonNode crd : crdList.path("items")) {
            String group = crd.path("spec").path("group").asText();
            for (JsonNode version : crd.path("spec").path("versions")) {
                groups.computeIfAbsent(group, g -> new java.util.ArrayList<>())
                        .add(version.path("name").asText());
            }
        }
        return groups;
    }
}
