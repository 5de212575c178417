package dev.slipway.core.cluster;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.SlipwayPaths;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.manifest.KubernetesNames;
import dev.slipway.core.manifest.YamlCursor;
import dev.slipway.core.manifest.YamlDocument;
import dev.slipway.core.manifest.YamlDocuments;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds and strictly reads the clusters file, which maps group names to kubeconfig contexts; a typo here
 * would send a deploy to the wrong place, so every field is checked and located.
 */
public final class ClustersConfigLoader {
    /** Environment variable naming the clusters file. */
    public static final String ENV_VAR = "SLIPWAY_CLUSTERS";

    static final List<String> TOP_FIELDS = List.of("groups");
    static final List<String> GROUP_FIELDS = List.of("parallel", "clusters");
    static final List<String> CLUSTER_FIELDS = List.of("name", "context", "site", "nodes", "weight");

    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern IPV6 = Pattern.compile("\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*]?");

    private ClustersConfigLoader() {}

    /**
     * The default location, in Slipway's config directory ({@link SlipwayPaths}): usually
     * {@code ~/.config/slipway/clusters.yaml}.
     *
     * @param home the passwd entry's home, used only when {@code $HOME} is unset
     */
    public static Path defaultPath(Map<String, String> env, Path home) {
        return SlipwayPaths.of(env, home).clustersFile();
    }

    /**
     * Picks the clusters file: {@code --clusters} flag, else {@code $SLIPWAY_CLUSTERS}, else
     * {@code clusters.yaml} in Slipway's config directory (usually {@code ~/.config/slipway/}).
     *
     * @throws InvalidInputException when the chosen file does not exist, saying how to provide one
     */
    public static Path locate(Optional<Path> flag, Map<String, String> env, Path home) {
        if (flag.isPresent()) {
            return existing(flag.get(), "--clusters");
        }
        String fromEnv = env.get(ENV_VAR);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return existing(Path.of(fromEnv), "$" + ENV_VAR);
        }
        Path fallback = defaultPath(env, home);
        if (Files.isRegularFile(fallback)) {
            return fallback;
        }
        throw new InvalidInputException(new Problem(
                "clusters file",
                "no clusters file: none given with --clusters, $" + ENV_VAR + " is not set, and " + fallback
                        + " does not exist",
                "create " + fallback + " with e.g.\n" + "    groups:\n" + "      production:\n"
                        + "        clusters:\n" + "          - {name: east-1, context: east-1, site: east, nodes:"
                        + " [10.0.0.1]}\n" + "  or pass --clusters FILE"));
    }

    private static Path existing(Path file, String via) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(new Problem(
                    file.toString(),
                    "the clusters file given by " + via + " "
                            + (Files.isDirectory(file) ? "is a directory" : "does not exist"),
                    "fix the path given by " + via));
        }
        return file;
    }

    /**
     * Reads and validates a clusters file.
     *
     * @throws InvalidInputException listing every problem, each with file:line
     */
    public static ClustersConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(Problem.at(
                    SourceLocation.of(file),
                    "cannot read the clusters file: " + e.getMessage(),
                    "check that it exists and is readable UTF-8 text"));
        }
        return parse(text, file);
    }

    /** Validates clusters-file text; {@code file} is used for locations only. */
    public static ClustersConfig parse(String text, Path file) {
        List<YamlDocument> docs = YamlDocuments.parse(text, file);
        List<Problem> problems = new ArrayList<>();
        if (docs.isEmpty()) {
            throw new InvalidInputException(Problem.at(
                    SourceLocation.of(file),
                    "the clusters file is empty",
                    "define at least one group under 'groups:'"));
        }
        if (docs.size() > 1) {
            problems.add(
                    Problem.at(docs.get(1).start(), "the clusters file holds more than one YAML document", "keep one"));
        }
        YamlCursor root = docs.get(0).strictCursor(problems);
        Map<String, ClusterGroup> groups = new LinkedHashMap<>();
        if (root.expectObject(TOP_FIELDS)) {
            YamlCursor groupsAt = root.get("groups");
            if (groupsAt.isAbsent()) {
                root.problem("missing 'groups'", "define groups: {<group>: {clusters: [...]}}");
            } else if (groupsAt.node().isObject() && groupsAt.node().isEmpty()) {
                groupsAt.problem("no groups defined", "define at least one group");
            }
            for (Map.Entry<String, YamlCursor> g : groupsAt.entries()) {
                group(g.getKey(), g.getValue()).ifPresent(group -> groups.put(group.name(), group));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return new ClustersConfig(groups, SourceLocation.of(file));
    }

    private static Optional<ClusterGroup> group(String name, YamlCursor at) {
        KubernetesNames.labelError(name)
                .ifPresent(why -> at.problem(
                        "group name '" + name + "' " + why, "use e.g. '" + KubernetesNames.toLabel(name) + "'"));
        if (at.isAbsent()) {
            at.problem("group '" + name + "' is empty", "list its clusters under clusters:");
            return Optional.empty();
        }
        if (!at.expectObject(GROUP_FIELDS)) {
            return Optional.empty();
        }
        boolean parallel = at.get("parallel").bool().orElse(false);
        YamlCursor clustersAt = at.get("clusters");
        if (clustersAt.isAbsent()
                || (clustersAt.node().isArray() && clustersAt.node().isEmpty())) {
            at.problem("group '" + name + "' has no clusters", "list at least one under clusters:");
        }
        List<Cluster> clusters = new ArrayList<>();
        Map<String, SourceLocation> seen = new HashMap<>();
        for (YamlCursor c : clustersAt.items()) {
            cluster(c).ifPresent(cluster -> {
                SourceLocation first = seen.putIfAbsent(cluster.name(), c.location());
                if (first != null) {
                    c.get("name")
                            .problem(
                                    "cluster '" + cluster.name() + "' appears twice in group '" + name + "' (first at "
                                            + first + ")",
                                    "cluster names must be unique within a group");
                } else {
                    clusters.add(cluster);
                }
            });
        }
        return Optional.of(new ClusterGroup(name, parallel, clusters));
    }

    private static Optional<Cluster> cluster(YamlCursor at) {
        if (!at.node().isObject()) {
            at.problem(
                    "expected a cluster mapping, got " + YamlCursor.describe(at.node()),
                    "write - {name: east-1, context: east-1, site: east, nodes: [10.0.0.1]}");
            return Optional.empty();
        }
        at.expectObject(CLUSTER_FIELDS);
        Optional<String> nameText = at.get("name").requiredText("name the cluster, e.g. name: east-1");
        String name = nameText.orElse("");
        if (nameText.isPresent()) {
            KubernetesNames.labelError(name)
                    .ifPresent(why -> at.get("name")
                            .problem(
                                    "cluster name '" + name + "' " + why,
                                    "it appears in annotations such as slipway.dev/override.<name>; use e.g. '"
                                            + KubernetesNames.toLabel(name) + "'"));
        }
        String context = at.get("context").text().orElse(name);
        if (context.isBlank() && !at.get("context").isAbsent()) {
            at.get("context")
                    .problem("must not be empty", "name a kubeconfig context, or omit it to use the cluster name");
        }
        String site = at.get("site").text().orElse(name);
        if (!at.get("site").isAbsent() && site.isBlank()) {
            at.get("site").problem("must not be empty", "name the site, or omit it to use the cluster name");
        }
        List<String> nodes = new ArrayList<>();
        for (YamlCursor n : at.get("nodes").items()) {
            n.text().ifPresent(host -> {
                if (!isHost(host)) {
                    n.problem(
                            "'" + host + "' is not a host name or IP address",
                            "list addresses without scheme or port, e.g. 10.0.0.12 or node-1.example.com");
                } else {
                    nodes.add(host);
                }
            });
        }
        int weight = at.get("weight").integer(0, 1_000_000).orElse(1);
        return Optional.of(new Cluster(name, context, site, nodes, weight));
    }

    static boolean isHost(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        return HOST.matcher(host).matches()
                || (host.contains(":") && IPV6.matcher(host).matches());
    }
}
