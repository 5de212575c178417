package dev.slipway.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.core.Labels;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who owns which field of a live object, read from its {@code metadata.managedFields} (the API server's
 * record behind server-side apply): {@code fieldsV1} trees of {@code f:<field>} and {@code k:<merge key>}
 * entries, one per field manager and operation.
 */
final class ManagedFields {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Field managers of the cluster's own control loops (the HorizontalPodAutoscaler controller scales through
     * it): fields they own are theirs by design, not someone's hand edit.
     */
    static final Set<String> CLUSTER_CONTROLLERS = Set.of("kube-controller-manager");

    /** The manager of a field, and whether it claimed the field by server-side apply. */
    record Owner(String manager, boolean applied) {
        static final Owner NONE = new Owner("", false);
    }

    private record Entry(String manager, boolean applied, JsonNode fields) {}

    private final List<Entry> entries;

    private ManagedFields(List<Entry> entries) {
        this.entries = entries;
    }

    static ManagedFields of(JsonNode live) {
        List<Entry> entries = new ArrayList<>();
        for (JsonNode entry : live.path("metadata").path("managedFields")) {
            entries.add(new Entry(
                    entry.path("manager").asText(""),
                    entry.path("operation").asText("").equals("Apply"),
                    entry.path("fieldsV1")));
        }
        return new ManagedFields(entries);
    }

    /** Whether Slipway's own field manager owns {@code path} (false when the object records no ownership). */
    boolean slipwayOwns(List<LiveDrift.Step> path) {
        return entries.stream().anyMatch(e -> e.manager().equals(Labels.FIELD_MANAGER) && owns(e.fields(), path));
    }

    /** Another manager owning {@code path}, appliers first (their claim makes re-applying a conflict). */
    Owner ownerOf(List<LiveDrift.Step> path) {
        Owner found = Owner.NONE;
        for (Entry e : entries) {
            if (e.manager().equals(Labels.FIELD_MANAGER) || !owns(e.fields(), path)) {
                continue;
            }
            if (e.applied()) {
                return new Owner(e.manager(), true);
            }
            if (found == Owner.NONE) {
                found = new Owner(e.manager(), false);
            }
        }
        return found;
    }

    /**
     * Walks a fieldsV1 tree along {@code path}: owned when the walk reaches the end, or an ancestor the manager
     * owns whole (an atomic list or map, recorded as a leaf).
     */
    private static boolean owns(JsonNode fields, List<LiveDrift.Step> path) {
        JsonNode node = fields;
        for (LiveDrift.Step step : path) {
            if (node == null || !node.isObject()) {
                return false;
            }
            if (isLeaf(node) && node != fields) {
                return true;
            }
            node = step.key() == null ? node.get("f:" + step.name()) : item(node, step);
            if (node == null) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLeaf(JsonNode node) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            if (!names.next().equals(".")) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode item(JsonNode node, LiveDrift.Step step) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> child = it.next();
            if (!child.getKey().startsWith("k:")) {
                continue;
            }
            try {
                JsonNode key = JSON.readTree(child.getKey().substring(2));
                if (key.path(step.key()).isValueNode()
                        && key.path(step.key()).asText().equals(step.value())) {
                    return child.getValue();
                }
            } catch (JsonProcessingException e) {
                // Not a key this reader understands (the format allows others): not a match.
                continue;
            }
        }
        return null;
    }
}
