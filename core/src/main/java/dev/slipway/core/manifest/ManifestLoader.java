package dev.slipway.core.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.SourceLocation;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads an app's Kubernetes YAML: every {@code .yaml}/{@code .yml} file under a folder at any depth, in
 * path order, multi-document, {@code kind: List} expanded, each object checked the way the API server
 * would check it (plus Slipway's annotations) so mistakes surface with file:line before any cluster is
 * touched.
 */
public final class ManifestLoader {
    private static final Set<String> PATH_SEGMENT_NAMED_KINDS =
            Set.of("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding");
    private static final Set<String> LABEL_NAMED_KINDS = Set.of("Namespace", "Service");

    private ManifestLoader() {}

    /**
     * Lists the YAML files under {@code folder} in deterministic order (by relative path, '/'-separated),
     * skipping hidden files and folders and {@code skip} (the app's slipway.yaml).
     */
    public static List<Path> files(Path folder, Set<Path> skip) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> isYaml(p.getFileName().toString()))
                    .filter(p -> !isHidden(folder.relativize(p)))
                    .filter(p -> skip.stream().noneMatch(s -> sameFile(s, p)))
                    .sorted(Comparator.comparing(
                            p -> folder.relativize(p).toString().replace('\\', '/')))
                    .toList();
        } catch (IOException e) {
            throw new InvalidInputException(Problem.at(
                    SourceLocation.of(folder),
                    "cannot read the manifests folder: " + e.getMessage(),
                    "check that the folder exists and is readable"));
        }
    }

    /**
     * Loads every object in {@code files}, recording problems instead of stopping at the first one.
     *
     * @param files from {@link #files}; their paths are used as the user-visible file names
     */
    public static List<Manifest> load(List<Path> files, List<Problem> problems) {
        List<Manifest> out = new ArrayList<>();
        for (Path file : files) {
            String text;
            try {
                text = StandardCharsets.UTF_8
                        .newDecoder()
                        .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                        .toString();
            } catch (CharacterCodingException e) {
                problems.add(Problem.at(SourceLocation.of(file), "file is not UTF-8 text", "save it as UTF-8"));
                continue;
            } catch (IOException e) {
                problems.add(Problem.at(
                        SourceLocation.of(file), "cannot read file: " + e.getMessage(), "check its permissions"));
                continue;
            }
            out.addAll(parse(text, file, problems));
        }
        checkDuplicates(out, problems);
        return out;
    }

    /** Loads objects from one file's text (used by {@link #load} and tests). */
    public static List<Manifest> parse(String text, Path file, List<Problem> problems) {
        List<Manifest> out = new ArrayList<>();
        List<YamlDocument> docs;
        try {
            docs = YamlDocuments.parse(text, file);
        } catch (InvalidInputException e) {
            problems.addAll(e.problems());
            return out;
        }
        for (YamlDocument doc : docs) {
            YamlCursor root = doc.cursor(problems);
            if (!root.node().isObject()) {
                root.problem(
                        "a Kubernetes object must be a mapping with apiVersion, kind and metadata, got "
                                + YamlCursor.describe(root.node()),
                        "");
                continue;
            }
            if (root.node().path("kind").asText("").equals("List")
                    && root.node().path("apiVersion").asText("").equals("v1")) {
                YamlCursor items = root.get("items");
                if (items.isAbsent()) {
                    root.problem("a kind: List needs items", "add the objects under items:");
                }
                for (YamlCursor item : items.items()) {
                    object(item, problems).ifPresent(out::add);
                }
            } else {
                object(root, problems).ifPresent(out::add);
            }
        }
        return out;
    }

    private static Optional<Manifest> object(YamlCursor at, List<Problem> problems) {
        int before = problems.size();
        if (!at.node().isObject()) {
            at.problem("a Kubernetes object must be a mapping, got " + YamlCursor.describe(at.node()), "");
            return Optional.empty();
        }
        String apiVersion = at.get("apiVersion")
                .requiredText("add apiVersion, e.g. apiVersion: apps/v1")
                .orElse("");
        if (!apiVersion.isEmpty() && !apiVersion.matches("([a-z0-9.-]+/)?v[0-9]+((alpha|beta)[0-9]+)?")) {
            at.get("apiVersion")
                    .problem("'" + apiVersion + "' is not an API version", "write group/version, e.g. apps/v1, or v1");
        }
        String kind =
                at.get("kind").requiredText("add kind, e.g. kind: Deployment").orElse("");
        if (!kind.isEmpty() && !kind.matches("[A-Z][A-Za-z0-9]*")) {
            at.get("kind").problem("'" + kind + "' is not a kind", "kinds are CamelCase, e.g. ConfigMap");
        }
        YamlCursor meta = at.get("metadata");
        if (meta.isAbsent()) {
            at.problem("missing metadata", "add metadata: {name: ...}");
            return Optional.empty();
        }
        if (!meta.node().isObject()) {
            meta.problem("expected a mapping, got " + YamlCursor.describe(meta.node()), "");
            return Optional.empty();
        }
        if (meta.node().has("generateName")) {
            meta.get("generateName")
                    .problem(
                            "generateName is not supported: Slipway must know each object's name to update and prune"
                                    + " it",
                            "use metadata.name");
        }
        String name = meta.get("name")
                .requiredText("every object needs metadata.name")
                .orElse("");
        if (!name.isEmpty()) {
            Optional<String> bad = PATH_SEGMENT_NAMED_KINDS.contains(kind)
                    ? KubernetesNames.pathSegmentError(name)
                    : LABEL_NAMED_KINDS.contains(kind)
                            ? KubernetesNames.labelError(name)
                            : KubernetesNames.subdomainError(name);
            bad.ifPresent(why -> meta.get("name")
                    .problem(
                            kind + " name '" + name + "' " + why,
                            "rename it, e.g. '" + KubernetesNames.toLabel(name) + "'"));
        }
        meta.get("namespace")
                .text()
                .ifPresent(ns -> KubernetesNames.labelError(ns)
                        .ifPresent(why -> meta.get("namespace").problem("namespace '" + ns + "' " + why, "")));
        stringMap(meta.get("labels"), "label");
        stringMap(meta.get("annotations"), "annotation");
        ObjectRef ref = ObjectRef.of(at.node());
        SlipwayAnnotations.validate(at, ref);
        if (problems.size() > before) {
            return Optional.empty();
        }
        ObjectNode body = ((ObjectNode) at.node()).deepCopy();
        return Optional.of(new Manifest(ref, body, at.location()));
    }

    private static void stringMap(YamlCursor map, String what) {
        for (Map.Entry<String, YamlCursor> e : map.entries()) {
            JsonNode v = e.getValue().node();
            // Slipway's own annotations are checked, with better hints, by SlipwayAnnotations.
            if (!v.isTextual() && !e.getKey().startsWith("slipway.dev/")) {
                e.getValue()
                        .problem(
                                what + " values must be strings, got " + YamlCursor.describe(v),
                                v.isValueNode() && !v.isNull()
                                        ? "quote it: \"" + v.asText() + "\""
                                        : "write the value as a quoted string");
            }
        }
    }

    /**
     * Reports objects declared twice. Namespace is not part of the key because every namespaced object
     * lands in the environment's namespace; two copies restricted to disjoint clusters are fine.
     */
    private static void checkDuplicates(List<Manifest> manifests, List<Problem> problems) {
        Map<String, List<Manifest>> byKey = new HashMap<>();
        for (Manifest m : manifests) {
            ObjectRef r = m.ref();
            String key = r.group() + "/" + r.kind() + "/" + r.name();
            List<Manifest> seen = byKey.computeIfAbsent(key, k -> new ArrayList<>());
            for (Manifest earlier : seen) {
                if (overlap(earlier, m)) {
                    problems.add(Problem.at(
                            m.source(),
                            r.kind() + " '" + r.name() + "' is declared twice: here and at " + earlier.source(),
                            "remove one, rename one, or restrict them to different clusters with"
                                    + " slipway.dev/clusters"));
                    break;
                }
            }
            seen.add(m);
        }
    }

    private static boolean overlap(Manifest a, Manifest b) {
        Optional<Set<String>> ca = SlipwayAnnotations.of(a).clusters();
        Optional<Set<String>> cb = SlipwayAnnotations.of(b).clusters();
        if (ca.isEmpty() || cb.isEmpty()) {
            return true;
        }
        for (String c : ca.get()) {
            if (cb.get().contains(c)) {
                return true;
            }
        }
        return false;
    }

    static boolean isYaml(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        return lower.endsWith(".yaml") || lower.endsWith(".yml");
    }

    private static boolean isHidden(Path relative) {
        for (Iterator<Path> it = relative.iterator(); it.hasNext(); ) {
            if (it.next().toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameFile(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
