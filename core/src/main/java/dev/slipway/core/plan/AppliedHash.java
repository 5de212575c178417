package dev.slipway.core.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The fingerprint Slipway stamps on every object it applies, so an unchanged object is recognised exactly
 * (including removed fields) without a field-by-field comparison against what the API server defaulted.
 */
public final class AppliedHash {
    /** Annotation holding the fingerprint of the object as Slipway last applied it. */
    public static final String ANNOTATION = "slipway.dev/applied-hash";

    private AppliedHash() {}

    /** SHA-256 over the object in canonical form (sorted keys), ignoring the hash annotation itself. */
    public static String of(ObjectNode object) {
        ObjectNode copy = object.deepCopy();
        JsonNode annotations = copy.path("metadata").path("annotations");
        if (annotations instanceof ObjectNode a) {
            a.remove(ANNOTATION);
            if (a.isEmpty()) {
                ((ObjectNode) copy.get("metadata")).remove("annotations");
            }
        }
        StringBuilder canonical = new StringBuilder();
        canonicalize(copy, canonical);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    /** Returns a copy of {@code object} carrying its own fingerprint in {@link #ANNOTATION}. */
    public static ObjectNode stamp(ObjectNode object) {
        String hash = of(object);
        ObjectNode copy = object.deepCopy();
        ObjectNode metadata = copy.with("metadata");
        metadata.with("annotations").put(ANNOTATION, hash);
        return copy;
    }

    /** The fingerprint recorded on a live (or stamped) object, if any. */
    public static Optional<String> recorded(JsonNode object) {
        JsonNode value = object.path("metadata").path("annotations").path(ANNOTATION);
        return value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
    }

    private static void canonicalize(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            out.append('{');
            for (String name : names) {
                out.append(quote(name)).append(':');
                canonicalize(node.get(name), out);
                out.append(',');
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (JsonNode element : node) {
                canonicalize(element, out);
                out.append(',');
            }
            out.append(']');
        } else {
            out.append(node.toString());
        }
    }

    private static String quote(String s) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
    }
}
