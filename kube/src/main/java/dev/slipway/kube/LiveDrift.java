package dev.slipway.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.manifest.Quantity;
import dev.slipway.core.plan.Drift;
import dev.slipway.core.plan.DriftedField;
import dev.slipway.core.plan.YamlDiff;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Compares the fields Slipway applies with the live object the way the API server stores them, so only
 * changes someone made count as drift: fields Slipway does not set (defaults, other managers' fields, status)
 * are not looked at; quantities compare by value ({@code 500m} = {@code 0.5}, {@code 1Gi} = {@code
 * 1073741824}); numbers and their strings compare equal (int-or-string ports); list items are matched by
 * their merge key ({@code name}, {@code containerPort}, ...), so items others add (an injected sidecar) and
 * fields defaulted inside items are not drift; a Secret's {@code stringData} is compared with the {@code data}
 * the API server turns it into. A field Slipway's field manager still owns in the live object's {@code
 * managedFields} is never drift, whatever its value, nor is one the cluster's own controllers took over (an
 * autoscaler's replicas); for the others, managedFields name who changed them.
 */
final class LiveDrift {
    /** Metadata the API server sets or that identifies the object; never drift. */
    private static final Set<String> SERVER_METADATA = Stream.concat(
                    YamlDiff.SERVER_METADATA.stream(), Stream.of("name", "namespace"))
            .collect(Collectors.toUnmodifiableSet());

    /** Map fields whose values are resource quantities, which the API server stores in canonical form. */
    private static final Set<String> QUANTITY_MAPS = Set.of(
            "limits",
            "requests",
            "hard",
            "capacity",
            "overhead",
            "min",
            "max",
            "default",
            "defaultRequest",
            "maxLimitRequestRatio");

    private static final Set<String> QUANTITY_FIELDS = Set.of("sizeLimit", "storage");

    /** Keys Kubernetes merges list items by, in the order they are tried. */
    private static final List<String> MERGE_KEYS =
            List.of("name", "mountPath", "devicePath", "containerPort", "port", "ip", "topologyKey", "key", "type");

    private final ManagedFields owners;
    private final List<DriftedField> fields = new ArrayList<>();

    private LiveDrift(ManagedFields owners) {
        this.owners = owners;
    }

    /** How {@code live} departs from {@code desired} in the fields {@code desired} sets. */
    static Optional<Drift> between(ObjectNode desired, ObjectNode live) {
        ObjectNode wanted = isSecret(desired) ? withStringDataAsData(desired) : desired.deepCopy();
        LiveDrift drift = new LiveDrift(ManagedFields.of(live));
        ObjectNode view = wanted.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = wanted.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            if (name.equals("apiVersion") || name.equals("kind") || name.equals("status")) {
                continue;
            }
            if (name.equals("metadata")) {
                drift.compareMetadata(field.getValue(), live.path("metadata"), (ObjectNode) view.get("metadata"));
            } else {
                Step step = Step.field(name);
                drift.compare(field.getValue(), live.get(name), List.of(step), view, name, name);
            }
        }
        return drift.fields.isEmpty() ? Optional.empty() : Optional.of(new Drift(drift.fields, view));
    }

    private void compareMetadata(JsonNode desired, JsonNode live, ObjectNode view) {
        if (!(desired instanceof ObjectNode metadata)) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (SERVER_METADATA.contains(field.getKey())) {
                continue;
            }
            compare(
                    field.getValue(),
                    live.get(field.getKey()),
                    List.of(Step.field("metadata"), Step.field(field.getKey())),
                    view,
                    field.getKey(),
                    field.getKey());
        }
    }

    /**
     * Compares one desired value with its live counterpart; on drift records the field and puts the live value
     * into {@code parent} (the view) under {@code slot} (a field name, or an index as text for arrays).
     */
    private void compare(JsonNode desired, JsonNode live, List<Step> path, JsonNode parent, String slot, String name) {
        if (isEmpty(desired)) {
            return; // "labels: {}" or "x: null" sets nothing the API server keeps
        }
        if (live == null || live.isNull()) {
            drifted(path, parent, slot, null);
            return;
        }
        if (desired.isObject()) {
            if (!live.isObject()) {
                drifted(path, parent, slot, live);
                return;
            }
            JsonNode viewNode = child(parent, slot);
            for (Iterator<Map.Entry<String, JsonNode>> it = desired.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                List<Step> next = append(path, Step.field(field.getKey()));
                if (QUANTITY_MAPS.contains(name) && !field.getValue().isContainerNode()) {
                    if (!sameQuantity(field.getValue(), live.get(field.getKey()))) {
                        drifted(next, viewNode, field.getKey(), live.get(field.getKey()));
                    }
                    continue;
                }
                compare(field.getValue(), live.get(field.getKey()), next, viewNode, field.getKey(), field.getKey());
            }
            return;
        }
        if (desired.isArray()) {
            compareList((ArrayNode) desired, live, path, parent, slot);
            return;
        }
        boolean same = QUANTITY_FIELDS.contains(name) ? sameQuantity(desired, live) : sameScalar(desired, live);
        if (!same) {
            drifted(path, parent, slot, live);
        }
    }

    private void compareList(ArrayNode desired, JsonNode live, List<Step> path, JsonNode parent, String slot) {
        if (!live.isArray()) {
            drifted(path, parent, slot, live);
            return;
        }
        Optional<String> key = mergeKey(desired);
        JsonNode viewList = child(parent, slot);
        if (key.isEmpty()) {
            // An atomic list (command, args, finalizers...): the API server keeps it as applied.
            boolean same = desired.size() == live.size();
            for (int i = 0; same && i < desired.size(); i++) {
                same = desired.get(i).isObject()
                        ? covers(desired.get(i), live.get(i))
                        : sameScalar(desired.get(i), live.get(i));
            }
            if (!same) {
                drifted(path, parent, slot, live);
            }
            return;
        }
        String k = key.get();
        for (int i = 0; i < desired.size(); i++) {
            JsonNode item = desired.get(i);
            JsonNode match = null;
            for (JsonNode candidate : live) {
                if (sameScalar(item.get(k), candidate.get(k))) {
                    match = candidate;
                    break;
                }
            }
            List<Step> itemPath = append(path, Step.item(k, item.get(k).asText()));
            if (match == null) {
                drifted(itemPath, viewList, String.valueOf(i), null);
            } else {
                compare(item, match, itemPath, viewList, String.valueOf(i), "");
            }
        }
    }

    /** Whether every field {@code desired} sets has the same value in {@code live} (for atomic list items). */
    private static boolean covers(JsonNode desired, JsonNode live) {
        if (isEmpty(desired)) {
            return true;
        }
        if (live == null || live.isNull()) {
            return false;
        }
        if (desired.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = desired.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!covers(field.getValue(), live.get(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (desired.isArray()) {
            if (!live.isArray() || live.size() != desired.size()) {
                return false;
            }
            for (int i = 0; i < desired.size(); i++) {
                if (!covers(desired.get(i), live.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return sameScalar(desired, live);
    }

    private void drifted(List<Step> path, JsonNode viewParent, String slot, JsonNode liveValue) {
        if (owners.slipwayOwns(path)) {
            // Still Slipway's field: whatever value it holds is what the API server made of Slipway's own apply
            // (canonical forms, admission webhooks). Anyone else changing it would have taken it over.
            return;
        }
        ManagedFields.Owner owner = owners.ownerOf(path);
        if (ManagedFields.CLUSTER_CONTROLLERS.contains(owner.manager())) {
            // The cluster's own controllers took it (an autoscaler outside the app scaling replicas): theirs.
            return;
        }
        fields.add(new DriftedField(display(path), owner.manager(), owner.applied()));
        if (viewParent instanceof ObjectNode object) {
            if (liveValue == null) {
                object.remove(slot);
            } else {
                object.set(slot, liveValue.deepCopy());
            }
        } else if (viewParent instanceof ArrayNode array) {
            int index = Integer.parseInt(slot);
            if (liveValue == null) {
                // Keep indexes of later items stable; the diff shows the item as gone.
                array.set(index, JsonNodeFactory.instance.objectNode());
            } else {
                array.set(index, liveValue.deepCopy());
            }
        }
    }

    private static JsonNode child(JsonNode parent, String slot) {
        if (parent instanceof ArrayNode array) {
            return array.get(Integer.parseInt(slot));
        }
        return parent.get(slot);
    }

    private static Optional<String> mergeKey(ArrayNode items) {
        if (items.isEmpty()) {
            return Optional.empty();
        }
        for (String key : MERGE_KEYS) {
            boolean all = true;
            for (JsonNode item : items) {
                all &= item.isObject()
                        && item.path(key).isValueNode()
                        && !item.path(key).isNull();
            }
            if (all) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    private static boolean isEmpty(JsonNode node) {
        return node == null || node.isNull() || (node.isContainerNode() && node.isEmpty());
    }

    /** Equal as the API server would store them: numbers by value, a number equal to its string form. */
    static boolean sameScalar(JsonNode desired, JsonNode live) {
        if (desired == null || live == null) {
            return desired == live;
        }
        if (desired.equals(live)) {
            return true;
        }
        if (desired.isContainerNode() || live.isContainerNode()) {
            return false;
        }
        if (desired.isNumber() || live.isNumber()) {
            try {
                return new java.math.BigDecimal(desired.asText()).compareTo(new java.math.BigDecimal(live.asText()))
                        == 0;
            } catch (NumberFormatException e) {
                return false; // a number on one side and a name on the other: a real difference
            }
        }
        return desired.asText().equals(live.asText());
    }

    static boolean sameQuantity(JsonNode desired, JsonNode live) {
        if (sameScalar(desired, live)) {
            return true;
        }
        if (desired == null || live == null || desired.isContainerNode() || live.isContainerNode()) {
            return false;
        }
        Optional<Quantity> a = Quantity.parse(desired.asText().trim());
        Optional<Quantity> b = Quantity.parse(live.asText().trim());
        return a.isPresent() && b.isPresent() && a.get().compareTo(b.get()) == 0;
    }

    private static boolean isSecret(ObjectNode object) {
        return object.path("kind").asText().equals("Secret")
                && object.path("apiVersion").asText().equals("v1");
    }

    /** The API server stores {@code stringData} as base64 {@code data} (stringData wins) and drops it. */
    private static ObjectNode withStringDataAsData(ObjectNode secret) {
        ObjectNode copy = secret.deepCopy();
        JsonNode stringData = copy.remove("stringData");
        if (stringData instanceof ObjectNode entries && !entries.isEmpty()) {
            ObjectNode data = copy.with("data");
            entries.fields()
                    .forEachRemaining(e -> data.put(
                            e.getKey(),
                            Base64.getEncoder()
                                    .encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        }
        return copy;
    }

    private static List<Step> append(List<Step> path, Step step) {
        List<Step> next = new ArrayList<>(path);
        next.add(step);
        return next;
    }

    /** {@code .spec.template.spec.containers[name=web].image}, as the API server names fields. */
    private static String display(List<Step> path) {
        StringBuilder out = new StringBuilder();
        for (Step step : path) {
            if (step.key() == null) {
                out.append('.').append(step.name());
            } else {
                out.append('[')
                        .append(step.key())
                        .append('=')
                        .append(step.value())
                        .append(']');
            }
        }
        return out.toString();
    }

    /** One step of a field path: a field name, or a list item by merge key. */
    record Step(String name, String key, String value) {
        static Step field(String name) {
            return new Step(name, null, null);
        }

        static Step item(String key, String value) {
            return new Step(null, key, value);
        }
    }
}
