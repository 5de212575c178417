package dev.slipway.core.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.slipway.core.Problem;
import dev.slipway.core.SourceLocation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A position in a {@link YamlDocument} that reads typed values and records a located {@link Problem}
 * for every mismatch instead of throwing, so one load reports all mistakes in a file at once.
 */
public final class YamlCursor {
    private final YamlDocument doc;
    private final String pointer;
    private final String path;
    private final JsonNode node;
    private final List<Problem> problems;

    YamlCursor(YamlDocument doc, String pointer, String path, JsonNode node, List<Problem> problems) {
        this.doc = doc;
        this.pointer = pointer;
        this.path = path;
        this.node = node;
        this.problems = problems;
    }

    /** The value here; {@link MissingNode} when absent. */
    public JsonNode node() {
        return node;
    }

    /** Field path as users read it, e.g. {@code services[0].port}; "" at the root. */
    public String path() {
        return path;
    }

    public String pointer() {
        return pointer;
    }

    public YamlDocument document() {
        return doc;
    }

    public boolean isAbsent() {
        return node.isMissingNode() || node.isNull();
    }

    public SourceLocation location() {
        return doc.at(pointer);
    }

    /** Records a problem at this position; {@code what} is prefixed with the field path. */
    public void problem(String what, String fix) {
        problems.add(Problem.at(location(), path.isEmpty() ? what : path + ": " + what, fix));
    }

    public YamlCursor get(String field) {
        JsonNode child = node.isObject() ? node.path(field) : MissingNode.getInstance();
        String childPath = path.isEmpty() ? field : path + "." + field;
        return new YamlCursor(doc, pointer + "/" + YamlDocuments.escape(field), childPath, child, problems);
    }

    /**
     * Checks this is a mapping whose keys are all in {@code known}; reports each unknown key with a
     * did-you-mean suggestion. Absent counts as an empty mapping.
     *
     * @return false when the value is present but not a mapping
     */
    public boolean expectObject(Collection<String> known) {
        if (isAbsent()) {
            return true;
        }
        if (!node.isObject()) {
            problem("expected a mapping (key: value lines), got " + describe(node), "");
            return false;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                get(key).problem("unknown field", suggestion(key, known));
            }
        }
        return true;
    }

    /** The entries of a mapping (empty when absent; a problem when not a mapping). */
    public List<Map.Entry<String, YamlCursor>> entries() {
        List<Map.Entry<String, YamlCursor>> out = new ArrayList<>();
        if (isAbsent()) {
            return out;
        }
        if (!node.isObject()) {
            problem("expected a mapping (key: value lines), got " + describe(node), "");
            return out;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            out.add(Map.entry(key, get(key)));
        }
        return out;
    }

    /** The items of a list (empty when absent; a problem when not a list). */
    public List<YamlCursor> items() {
        List<YamlCursor> out = new ArrayList<>();
        if (isAbsent()) {
            return out;
        }
        if (!node.isArray()) {
            problem("expected a list (lines starting with '- '), got " + describe(node), "");
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            out.add(new YamlCursor(doc, pointer + "/" + i, path + "[" + i + "]", node.get(i), problems));
        }
        return out;
    }

    /** A string value; numbers and booleans are refused (quote them), as Kubernetes would. */
    public Optional<String> text() {
        if (isAbsent()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            problem(
                    "expected a string, got " + describe(node),
                    node.isValueNode() ? "quote the value: \"" + node.asText() + "\"" : "");
            return Optional.empty();
        }
        return Optional.of(node.asText());
    }

    /** A required string; records "missing" when absent. */
    public Optional<String> requiredText(String fix) {
        if (isAbsent()) {
            problem("missing required field", fix);
            return Optional.empty();
        }
        return text();
    }

    /** An integer in {@code [min, max]}. */
    public Optional<Integer> integer(long min, long max) {
        if (isAbsent()) {
            return Optional.empty();
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            problem("expected a whole number from " + min + " to " + max + ", got " + describe(node), "");
            return Optional.empty();
        }
        long v = node.asLong();
        if (v < min || v > max) {
            problem("must be from " + min + " to " + max + ", got " + v, "");
            return Optional.empty();
        }
        return Optional.of((int) v);
    }

    public Optional<Boolean> bool() {
        if (isAbsent()) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            problem("expected true or false, got " + describe(node), "");
            return Optional.empty();
        }
        return Optional.of(node.asBoolean());
    }

    /** How a value reads in an error message: its type and, for scalars, the value itself. */
    public static String describe(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return "nothing";
        }
        if (value.isObject()) {
            return "a mapping";
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isBoolean()) {
            return "the boolean " + value.asText();
        }
        if (value.isNumber()) {
            return "the number " + value.asText();
        }
        String s = value.asText();
        return "\"" + (s.length() > 60 ? s.substring(0, 57) + "..." : s) + "\"";
    }

    /** "did you mean 'x'?" for the closest known name, else the list of known names. */
    public static String suggestion(String given, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String g = given.toLowerCase(Locale.ROOT);
        for (String k : known) {
            String lk = k.toLowerCase(Locale.ROOT);
            // A known name hidden in a longer or shorter one (healthcheck, env_vars) is the likeliest intent.
            int d = lk.length() >= 3 && (g.startsWith(lk) || lk.startsWith(g) && g.length() >= 3) ? 1 : distance(g, lk);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        if (best != null && bestDistance <= Math.max(2, given.length() / 3)) {
            return "did you mean '" + best + "'? (known: " + String.join(", ", known) + ")";
        }
        return known.isEmpty() ? "remove it" : "remove it or use one of: " + String.join(", ", known);
    }

    /** Levenshtein distance; names are short so the quadratic table is fine. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
