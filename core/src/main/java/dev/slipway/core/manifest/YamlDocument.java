package dev.slipway.core.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.SourceLocation;
import java.nio.file.Path;
import java.util.Map;

/**
 * One YAML document as a Jackson tree plus the line of every node in it, so errors found long after
 * parsing can still point at {@code file:line}.
 *
 * @param root the document's content
 * @param file the file as shown to the user
 * @param line 1-based line where the document's content starts
 * @param lines JSON pointer (e.g. {@code /spec/template}) to the 1-based line of that node's key or item
 */
public record YamlDocument(JsonNode root, Path file, int line, Map<String, Integer> lines) {
    public YamlDocument {
        lines = Map.copyOf(lines);
    }

    /** The location of the node at {@code pointer}, or of its nearest ancestor that has one. */
    public SourceLocation at(String pointer) {
        String p = pointer;
        while (!p.isEmpty()) {
            Integer l = lines.get(p);
            if (l != null) {
                return new SourceLocation(file, l);
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
        return new SourceLocation(file, line);
    }

    public SourceLocation start() {
        return new SourceLocation(file, line);
    }

    /** A cursor on the whole document that records problems into {@code problems}. */
    public YamlCursor cursor(java.util.List<dev.slipway.core.Problem> problems) {
        return new YamlCursor(this, "", "", root, problems);
    }
}
