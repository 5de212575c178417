package dev.slipway.core.revision;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.AppliedHash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Release ids: one name for what a group deploy put on all of its clusters, so a rollback can pick the same
 * target everywhere although each cluster numbers its revisions on its own (a halted deploy leaves them apart).
 * An id is derived from content, not handed out: the same objects at the same ref make the same id.
 */
public final class Releases {
    /** Hex digits of a release id; git's short hashes are as long, and 48 bits do not collide among 10 revisions. */
    public static final int LENGTH = 12;

    private Releases() {}

    /**
     * The fingerprint of one cluster's objects: each object's identity and applied hash, order ignored. Two
     * revisions with the same fingerprint hold the same objects, whatever their numbers or releases.
     */
    public static String contentOf(List<ObjectNode> objects) {
        TreeMap<String, String> lines = new TreeMap<>();
        for (ObjectNode object : objects) {
            lines.put(
                    ObjectRef.of(object).toString(),
                    AppliedHash.recorded(object).orElseGet(() -> AppliedHash.of(object)));
        }
        StringBuilder text = new StringBuilder();
        lines.forEach((ref, hash) -> text.append(ref).append(' ').append(hash).append('\n'));
        return sha256(text.toString()).substring(0, 2 * LENGTH);
    }

    /** The release id of a group deploy of {@code ref} that puts {@code contents} (cluster → fingerprint) on its clusters. */
    public static String id(String ref, Map<String, String> contents) {
        StringBuilder text = new StringBuilder("ref ").append(ref).append('\n');
        new TreeMap<>(contents)
                .forEach((cluster, content) ->
                        text.append(cluster).append(' ').append(content).append('\n'));
        return sha256(text.toString()).substring(0, LENGTH);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}
