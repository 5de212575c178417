package dev.slipway.core.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.SourceLocation;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Parses YAML text into {@link YamlDocument}s that remember the line of every node. SnakeYAML's node
 * graph is used directly because Jackson's tree forgets locations, and every user error must name a line.
 */
public final class YamlDocuments {
    private static final int MAX_DEPTH = 200;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private YamlDocuments() {}

    /**
     * Parses every document of a (possibly multi-document) YAML text. Empty documents are skipped.
     *
     * @throws InvalidInputException on YAML syntax errors and duplicate keys, with file:line
     */
    public static List<YamlDocument> parse(String text, Path file) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(32 * 1024 * 1024);
        options.setMaxAliasesForCollections(100);
        options.setNestingDepthLimit(MAX_DEPTH);
        Yaml yaml = new Yaml(options);
        List<YamlDocument> docs = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        try {
            for (Node node : yaml.composeAll(new StringReader(text))) {
                if (node == null || isEmpty(node)) {
                    continue;
                }
                Map<String, Integer> lines = new HashMap<>();
                JsonNode root = convert(node, "", lines, file, problems, 0);
                docs.add(new YamlDocument(root, file, line(node.getStartMark()), lines));
            }
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getProblem() != null ? e.getProblem() : "invalid YAML";
            if (e.getContext() != null) {
                what = e.getContext() + ", " + what;
            }
            throw new InvalidInputException(Problem.at(
                    new SourceLocation(file, mark == null ? 0 : line(mark)),
                    "invalid YAML: " + oneLine(what),
                    "fix the YAML syntax at this line (indentation, quoting, a missing ':' or '-')"));
        } catch (YAMLException e) {
            throw new InvalidInputException(Problem.at(
                    SourceLocation.of(file),
                    "invalid YAML: " + oneLine(String.valueOf(e.getMessage())),
                    "fix the YAML in this file"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return docs;
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }

    private static boolean isEmpty(Node node) {
        return node instanceof ScalarNode s
                && s.getTag().equals(Tag.NULL)
                && s.getValue().isEmpty();
    }

    private static int line(Mark mark) {
        return mark.getLine() + 1;
    }

    static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static JsonNode convert(
            Node node, String pointer, Map<String, Integer> lines, Path file, List<Problem> problems, int depth) {
        if (depth > MAX_DEPTH) {
            problems.add(Problem.at(
                    new SourceLocation(file, line(node.getStartMark())),
                    "YAML nested too deeply (or an alias refers to itself)",
                    "flatten the structure; recursive anchors are not supported"));
            return NODES.nullNode();
        }
        if (node instanceof MappingNode mapping) {
            ObjectNode object = NODES.objectNode();
            Map<String, Integer> keyLines = new HashMap<>();
            List<NodeTuple> merged = new ArrayList<>();
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode().getTag().equals(Tag.MERGE)) {
                    collectMerge(tuple.getValueNode(), merged);
                }
            }
            for (NodeTuple tuple : mapping.getValue()) {
                Node keyNode = tuple.getKeyNode();
                if (keyNode.getTag().equals(Tag.MERGE)) {
                    continue;
                }
                int keyLine = line(keyNode.getStartMark());
                if (!(keyNode instanceof ScalarNode scalarKey)) {
                    problems.add(Problem.at(
                            new SourceLocation(file, keyLine),
                            "a mapping key must be a plain value, not a list or mapping",
                            "use a string key"));
                    continue;
                }
                String key = scalarKey.getValue();
                Integer previous = keyLines.putIfAbsent(key, keyLine);
                if (previous != null) {
                    problems.add(Problem.at(
                            new SourceLocation(file, keyLine),
                            "duplicate key '" + key + "' (first at line " + previous + ")",
                            "remove one of the two; YAML keys must be unique within a mapping"));
                    continue;
                }
                String child = pointer + "/" + escape(key);
                lines.put(child, keyLine);
                object.set(key, convert(tuple.getValueNode(), child, lines, file, problems, depth + 1));
            }
            for (NodeTuple tuple : merged) {
                if (tuple.getKeyNode() instanceof ScalarNode scalarKey
                        && !object.has(scalarKey.getValue())
                        && !scalarKey.getTag().equals(Tag.MERGE)) {
                    String key = scalarKey.getValue();
                    String child = pointer + "/" + escape(key);
                    lines.put(child, line(scalarKey.getStartMark()));
                    object.set(key, convert(tuple.getValueNode(), child, lines, file, problems, depth + 1));
                }
            }
            return object;
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = NODES.arrayNode();
            int i = 0;
            for (Node item : sequence.getValue()) {
                String child = pointer + "/" + i;
                lines.put(child, line(item.getStartMark()));
                array.add(convert(item, child, lines, file, problems, depth + 1));
                i++;
            }
            return array;
        }
        return scalar((ScalarNode) node);
    }

    private static void collectMerge(Node value, List<NodeTuple> into) {
        if (value instanceof MappingNode m) {
            into.addAll(m.getValue());
        } else if (value instanceof SequenceNode s) {
            for (Node n : s.getValue()) {
                if (n instanceof MappingNode m) {
                    into.addAll(m.getValue());
                }
            }
        }
    }

    private static JsonNode scalar(ScalarNode scalar) {
        String v = scalar.getValue();
        Tag tag = scalar.getTag();
        if (tag.equals(Tag.NULL)) {
            return NODES.nullNode();
        }
        if (tag.equals(Tag.BOOL)) {
            String lower = v.toLowerCase(Locale.ROOT);
            return NODES.booleanNode(lower.equals("true") || lower.equals("yes") || lower.equals("on"));
        }
        if (tag.equals(Tag.INT)) {
            String digits = v.replace("_", "");
            try {
                if (digits.matches("[-+]?(0|[1-9][0-9]*)")) {
                    BigInteger big = new BigInteger(digits);
                    return big.bitLength() < 32
                            ? NODES.numberNode(big.intValue())
                            : big.bitLength() < 64 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
                }
            } catch (NumberFormatException e) {
                return NODES.textNode(v);
            }
            // YAML 1.1 octal (file modes such as 0644), hex and binary, as Kubernetes' own parser reads them.
            try {
                String unsigned = digits.replaceFirst("^[-+]", "");
                boolean negative = digits.startsWith("-");
                long value;
                if (unsigned.startsWith("0x")) {
                    value = Long.parseLong(unsigned.substring(2), 16);
                } else if (unsigned.startsWith("0b")) {
                    value = Long.parseLong(unsigned.substring(2), 2);
                } else if (unsigned.startsWith("0o")) {
                    value = Long.parseLong(unsigned.substring(2), 8);
                } else if (unsigned.startsWith("0")) {
                    value = Long.parseLong(unsigned.substring(1), 8);
                } else {
                    return NODES.textNode(v);
                }
                value = negative ? -value : value;
                return value == (int) value ? NODES.numberNode((int) value) : NODES.numberNode(value);
            } catch (NumberFormatException e) {
                return NODES.textNode(v);
            }
        }
        if (tag.equals(Tag.FLOAT)) {
            try {
                return NODES.numberNode(new BigDecimal(v.replace("_", "")));
            } catch (NumberFormatException e) {
                return NODES.textNode(v);
            }
        }
        return NODES.textNode(v);
    }
}
