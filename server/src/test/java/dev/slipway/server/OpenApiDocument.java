package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The server's OpenAPI document as tests hold answers against it: which documented path a request went to, the
 * methods that path takes and the statuses each operation may answer.
 */
final class OpenApiDocument {

    static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");

    private final JsonNode doc;

    private OpenApiDocument(JsonNode doc) {
        this.doc = doc;
    }

    /** The document the server jar serves at {@code /openapi.json}. */
    static OpenApiDocument served() {
        try {
            return new OpenApiDocument(new ObjectMapper().readTree(SlipwayServer.openApiDocument()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode json() {
        return doc;
    }

    /** The documented paths, as written ({@code /api/labs/{id}}). */
    List<String> paths() {
        List<String> paths = new java.util.ArrayList<>();
        doc.get("paths").fieldNames().forEachRemaining(paths::add);
        return paths;
    }

    /** The documented path a request path (with a query, or a trailing slash) goes to. */
    Optional<String> pathOf(String requestPath) {
        String path = requestPath.split("\\?", 2)[0];
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        for (String template : paths()) {
            Pattern pattern = Pattern.compile(Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q"));
            if (pattern.matcher(path).matches()) {
                return Optional.of(template);
            }
        }
        return Optional.empty();
    }

    /** The methods the documented {@code path} takes, upper case. */
    Set<String> methods(String path) {
        Set<String> methods = new TreeSet<>();
        doc.get("paths").get(path).fieldNames().forEachRemaining(m -> {
            if (!m.equals("parameters")) {
                methods.add(m.toUpperCase(java.util.Locale.ROOT));
            }
        });
        return methods;
    }

    /**
     * The statuses {@code method} on the documented {@code path} may answer: its operation's, and those any request
     * may get ({@code x-responses-of-every-path}: 405, and the HTTP layer's 414 and 431).
     */
    Set<String> statuses(String method, String path) {
        Set<String> statuses = new TreeSet<>();
        JsonNode op = doc.get("paths").get(path).get(method.toLowerCase(java.util.Locale.ROOT));
        if (op != null) {
            op.get("responses").fieldNames().forEachRemaining(statuses::add);
        }
        doc.get("x-responses-of-every-path").fieldNames().forEachRemaining(statuses::add);
        return statuses;
    }
}
