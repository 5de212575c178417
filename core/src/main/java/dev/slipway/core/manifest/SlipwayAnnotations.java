package dev.slipway.core.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Labels;
import dev.slipway.core.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code slipway.dev/*} annotations of one manifest, parsed: which clusters get the object, the merge
 * patch per cluster, and its wave. They steer rendering and are stripped before apply.
 *
 * @param clusters the clusters named in {@code slipway.dev/clusters}; empty = every cluster of the group
 * @param overrides RFC 7386 merge patch per cluster name, in annotation order
 * @param wave apply-order wave (default 0; lower goes first)
 */
public record SlipwayAnnotations(Optional<Set<String>> clusters, Map<String, ObjectNode> overrides, int wave) {
    public static final List<String> KNOWN = List.of(
            Labels.CLUSTERS_ANNOTATION, Labels.OVERRIDE_ANNOTATION_PREFIX + "<cluster>", Labels.WAVE_ANNOTATION);

    private static final String PREFIX = "slipway.dev/";

    public SlipwayAnnotations {
        clusters = clusters.map(Set::copyOf);
        overrides = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
    }

    /**
     * Reads the annotations of a loaded manifest. The loader has already validated them with line numbers
     * ({@link #validate}); a manifest built elsewhere with bad annotations fails here without lines.
     */
    public static SlipwayAnnotations of(Manifest manifest) {
        List<Problem> problems = new ArrayList<>();
        YamlDocument doc = new YamlDocument(
                manifest.body(), manifest.source().file(), manifest.source().line(), Map.of());
        SlipwayAnnotations result = validate(doc.cursor(problems), manifest.ref());
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return result;
    }

    /** Parses and checks the annotations at {@code object}, recording located problems. */
    public static SlipwayAnnotations validate(YamlCursor object, ObjectRef ref) {
        YamlCursor annotations = object.get("metadata").get("annotations");
        Optional<Set<String>> clusters = Optional.empty();
        Map<String, ObjectNode> overrides = new LinkedHashMap<>();
        int wave = 0;
        if (!annotations.node().isObject()) {
            return new SlipwayAnnotations(clusters, overrides, wave);
        }
        for (Iterator<String> it = annotations.node().fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            YamlCursor value = annotations.get(key);
            JsonNode v = value.node();
            if (!v.isTextual()) {
                value.problem(
                        "annotation values must be strings, got " + YamlCursor.describe(v),
                        v.isValueNode() ? "quote it: \"" + v.asText() + "\"" : "write the value as a quoted string");
                continue;
            }
            String text = v.asText();
            if (key.equals(Labels.CLUSTERS_ANNOTATION)) {
                clusters = Optional.of(clusterList(value, text));
            } else if (key.equals(Labels.WAVE_ANNOTATION)) {
                try {
                    wave = Integer.parseInt(text.trim());
                } catch (NumberFormatException e) {
                    value.problem(
                            "wave must be a whole number, got \"" + text + "\"",
                            "use e.g. \"-1\" to apply earlier or \"1\" to apply later (default 0)");
                }
            } else if (key.startsWith(Labels.OVERRIDE_ANNOTATION_PREFIX)) {
                String cluster = key.substring(Labels.OVERRIDE_ANNOTATION_PREFIX.length());
                Optional<String> bad = KubernetesNames.labelError(cluster);
                if (bad.isPresent()) {
                    value.problem(
                            "the cluster name '" + cluster + "' in this override " + bad.get(),
                            "write slipway.dev/override.<cluster> with a cluster name from your clusters file");
                    continue;
                }
                parsePatch(value, text, ref).ifPresent(p -> overrides.put(cluster, p));
            } else {
                value.problem("unknown Slipway annotation '" + key + "'", YamlCursor.suggestion(key, KNOWN));
            }
        }
        return new SlipwayAnnotations(clusters, overrides, wave);
    }

    private static Set<String> clusterList(YamlCursor at, String text) {
        Set<String> names = new LinkedHashSet<>();
        for (String part : text.split(",", -1)) {
            String name = part.trim();
            Optional<String> bad = KubernetesNames.labelError(name);
            if (bad.isPresent()) {
                at.problem(
                        "cluster name '" + name + "' " + bad.get(),
                        "write a comma-separated list of cluster names, e.g. \"east-1,west-2\"");
            } else if (!names.add(name)) {
                at.problem("cluster '" + name + "' is listed twice", "list each cluster once");
            }
        }
        return names;
    }

    private static Optional<ObjectNode> parsePatch(YamlCursor at, String text, ObjectRef ref) {
        List<YamlDocument> docs;
        try {
            docs = YamlDocuments.parse(text, Path.of("override"));
        } catch (InvalidInputException e) {
            at.problem(
                    "override is not valid JSON or YAML: " + e.problems().get(0).what(),
                    "write a JSON merge patch such as '{\"spec\": {\"replicas\": 5}}'");
            return Optional.empty();
        }
        if (docs.size() != 1 || !docs.get(0).root().isObject()) {
            at.problem(
                    "override must be one JSON/YAML object (a merge patch), got "
                            + (docs.isEmpty()
                                    ? "nothing"
                                    : YamlCursor.describe(docs.get(0).root())),
                    "write a merge patch such as '{\"spec\": {\"replicas\": 5}}'");
            return Optional.empty();
        }
        ObjectNode patch = (ObjectNode) docs.get(0).root();
        List<String> touched = new ArrayList<>();
        if (patch.has("apiVersion")) {
            touched.add("apiVersion");
        }
        if (patch.has("kind")) {
            touched.add("kind");
        }
        JsonNode meta = patch.path("metadata");
        if (patch.has("metadata") && !meta.isObject()) {
            touched.add("metadata");
        }
        if (meta.has("name")) {
            touched.add("metadata.name");
        }
        if (meta.has("namespace")) {
            touched.add("metadata.namespace");
        }
        if (!touched.isEmpty()) {
            at.problem(
                    "override of " + ref + " must not change " + String.join(", ", touched)
                            + " (an override changes a cluster's copy, not which object it is)",
                    "remove those fields from the patch; declare a separate object with slipway.dev/clusters"
                            + " instead");
            return Optional.empty();
        }
        return Optional.of(patch);
    }
}
