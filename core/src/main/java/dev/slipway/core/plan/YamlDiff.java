package dev.slipway.core.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Unified diff of two Kubernetes objects as YAML, with the fields the API server owns (status, uid,
 * resourceVersion, managed fields, ...) left out so the diff shows only what the user changed.
 */
public final class YamlDiff {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    /** Metadata fields the API server sets on every object, which no manifest writes. */
    public static final Set<String> SERVER_METADATA = Set.of(
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds");

    private static final Set<String> SERVER_ANNOTATIONS = Set.of(
            AppliedHash.ANNOTATION,
            "kubectl.kubernetes.io/last-applied-configuration",
            "deployment.kubernetes.io/revision");

    private YamlDiff() {}

    /**
     * @return the unified diff from {@code before} to {@code after}, "" when they read the same
     */
    public static String between(ObjectNode before, ObjectNode after, String name) {
        List<String> a = toYaml(withoutServerFields(before)).lines().toList();
        List<String> b = toYaml(withoutServerFields(after)).lines().toList();
        Patch<String> patch = DiffUtils.diff(a, b);
        if (patch.getDeltas().isEmpty()) {
            return "";
        }
        List<String> unified = UnifiedDiffUtils.generateUnifiedDiff("live/" + name, "desired/" + name, a, patch, 3);
        return String.join("\n", unified) + "\n";
    }

    /** A copy without status and server-set metadata, keys sorted, as users compare objects. */
    public static ObjectNode withoutServerFields(ObjectNode object) {
        ObjectNode copy = sorted(object);
        copy.remove("status");
        if (copy.get("metadata") instanceof ObjectNode metadata) {
            SERVER_METADATA.forEach(metadata::remove);
            if (metadata.get("annotations") instanceof ObjectNode annotations) {
                SERVER_ANNOTATIONS.forEach(annotations::remove);
                if (annotations.isEmpty()) {
                    metadata.remove("annotations");
                }
            }
        }
        return copy;
    }

    static String toYaml(JsonNode node) {
        try {
            return YAML.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises to YAML", e);
        }
    }

    private static ObjectNode sorted(ObjectNode node) {
        ObjectNode out = node.objectNode();
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            fields.add(it.next());
        }
        fields.sort(Map.Entry.comparingByKey());
        for (Map.Entry<String, JsonNode> field : fields) {
            out.set(field.getKey(), sortedAny(field.getValue()));
        }
        return out;
    }

    private static JsonNode sortedAny(JsonNode node) {
        if (node instanceof ObjectNode o) {
            return sorted(o);
        }
        if (node.isArray()) {
            var array = ((com.fasterxml.jackson.databind.node.ArrayNode) node).arrayNode();
            node.forEach(element -> array.add(sortedAny(element)));
            return array;
        }
        return node;
    }
}
