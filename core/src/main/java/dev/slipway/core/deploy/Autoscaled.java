package dev.slipway.core.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The workloads an app's own HorizontalPodAutoscalers scale. Their {@code spec.replicas} belongs to the
 * autoscaler: were Slipway to apply it, every deploy would reset the scale (and, with server-side apply,
 * conflict with the autoscaler's field manager), and every plan would call the autoscaler's work drift. So
 * Slipway leaves the field out of what it applies, as Kubernetes advises for autoscaled workloads.
 */
final class Autoscaled {
    private final Set<String> targets;

    private Autoscaled(Set<String> targets) {
        this.targets = targets;
    }

    /** The targets named by the HorizontalPodAutoscalers among {@code objects}, in {@code namespace}. */
    static Autoscaled in(List<ObjectNode> objects, String namespace) {
        Set<String> targets = new HashSet<>();
        for (ObjectNode object : objects) {
            if (object.path("kind").asText().equals("HorizontalPodAutoscaler")
                    && object.path("apiVersion").asText().startsWith("autoscaling/")) {
                JsonNode target = object.path("spec").path("scaleTargetRef");
                targets.add(key(
                        group(target.path("apiVersion").asText()),
                        target.path("kind").asText(),
                        object.path("metadata").path("namespace").asText(namespace),
                        target.path("name").asText()));
            }
        }
        return new Autoscaled(targets);
    }

    /** {@code object} without {@code spec.replicas} when an autoscaler of the app scales it, else itself. */
    ObjectNode withoutReplicas(ObjectNode object) {
        String key = key(
                group(object.path("apiVersion").asText()),
                object.path("kind").asText(),
                object.path("metadata").path("namespace").asText(""),
                object.path("metadata").path("name").asText());
        if (!targets.contains(key) || !(object.path("spec") instanceof ObjectNode spec) || !spec.has("replicas")) {
            return object;
        }
        ObjectNode copy = object.deepCopy();
        ((ObjectNode) copy.get("spec")).remove("replicas");
        return copy;
    }

    private static String group(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    private static String key(String group, String kind, String namespace, String name) {
        return group + "/" + kind + "/" + namespace + "/" + name;
    }
}
