package dev.slipway.core.revision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Turns a {@link Revision} into the gzip'd JSON payload stored in the cluster and back. Compressed because a
 * 50-object app's revision would otherwise approach the 1 MiB object size limit of Kubernetes.
 */
public final class RevisionCodec {
    /** Schema version of the payload; readers refuse payloads they do not know. */
    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private RevisionCodec() {}

    public static byte[] encode(Revision revision) {
        ObjectNode root = JSON.createObjectNode();
        RevisionSummary s = revision.summary();
        root.put("format", FORMAT);
        root.put("app", revision.app());
        root.put("environment", revision.environment());
        root.put("cluster", revision.cluster());
        root.put("number", s.number());
        root.put("ref", s.ref());
        root.put("who", s.who());
        root.put("when", s.when().toString());
        root.put("outcome", s.outcome().name());
        if (s.rollbackOf().isPresent()) {
            root.put("rollbackOf", s.rollbackOf().getAsInt());
        }
        if (!s.failure().isEmpty()) {
            root.put("failure", s.failure());
        }
        if (!s.release().isEmpty()) {
            root.put("release", s.release());
            ObjectNode contents = root.putObject("releaseContents");
            revision.releaseContents().forEach(contents::put);
        }
        s.track().ifPresent(t -> root.put("track", t.label()));
        ArrayNode objects = root.putArray("objects");
        revision.objects().forEach(objects::add);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            JSON.writeValue(gzip, root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compress a revision in memory", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a payload written by {@link #encode}.
     *
     * @throws IllegalArgumentException when the payload is not a revision this version can read
     */
    public static Revision decode(byte[] payload) {
        JsonNode root;
        try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(payload))) {
            root = JSON.readTree(gzip);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a Slipway revision payload: " + e.getMessage(), e);
        }
        if (root == null || root.path("format").asInt(-1) != FORMAT) {
            throw new IllegalArgumentException(
                    "unsupported revision format " + (root == null ? "?" : root.path("format")));
        }
        List<ObjectNode> objects = new ArrayList<>();
        root.path("objects").forEach(o -> objects.add((ObjectNode) o));
        Map<String, String> contents = new TreeMap<>();
        root.path("releaseContents")
                .fields()
                .forEachRemaining(e -> contents.put(e.getKey(), e.getValue().asText()));
        Revision revision = Revision.of(
                        root.path("app").asText(),
                        root.path("environment").asText(),
                        root.path("cluster").asText(),
                        root.path("number").asInt(),
                        root.path("ref").asText(""),
                        root.path("who").asText(""),
                        Instant.parse(root.path("when").asText()),
                        RevisionOutcome.valueOf(root.path("outcome").asText()),
                        root.has("rollbackOf")
                                ? OptionalInt.of(root.path("rollbackOf").asInt())
                                : OptionalInt.empty(),
                        objects,
                        root.path("failure").asText(""))
                .withRelease(root.path("release").asText(""), contents);
        return dev.slipway.core.rollout.Track.ofLabel(root.path("track").asText(""))
                .map(revision::onTrack)
                .orElse(revision);
    }
}
