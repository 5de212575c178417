package dev.slipway.core.manifest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.SourceLocation;

/**
 * One Kubernetes object as the app declares it, with where it was written.
 *
 * <p>The body is mutable Jackson tree by necessity; treat it as immutable once constructed and use
 * {@link #withBody} to derive changed copies.
 *
 * @param ref identity (derived from the body)
 * @param body the whole object
 * @param source file:line of the document's first line, or the spec's service entry for generated objects
 */
public record Manifest(ObjectRef ref, ObjectNode body, SourceLocation source) {

    public static Manifest of(ObjectNode body, SourceLocation source) {
        return new Manifest(ObjectRef.of(body), body, source);
    }

    public Manifest withBody(ObjectNode newBody) {
        return new Manifest(ObjectRef.of(newBody), newBody, source);
    }

    public String apiVersion() {
        return body.path("apiVersion").asText("");
    }
}
