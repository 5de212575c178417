package dev.slipway.core.manifest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Identity of a Kubernetes object: API group, kind, namespace and name (version is not identity).
 *
 * @param group API group, "" for the core group
 * @param kind kind, e.g. {@code Deployment}
 * @param namespace namespace, "" for cluster-scoped objects
 * @param name object name
 */
public record ObjectRef(String group, String kind, String namespace, String name) {

    /** Reads the identity of a Kubernetes object. Missing fields become "". */
    public static ObjectRef of(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText("");
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        JsonNode meta = object.path("metadata");
        return new ObjectRef(
                group,
                object.path("kind").asText(""),
                meta.path("namespace").asText(""),
                meta.path("name").asText(""));
    }

    /** {@code Kind/name} or {@code Kind.group/name}, plus {@code -n namespace}, as kubectl users read it. */
    @Override
    public String toString() {
        String k = group.isEmpty() ? kind : kind + "." + group;
        return namespace.isEmpty() ? k + "/" + name : k + "/" + name + " (namespace " + namespace + ")";
    }
}
