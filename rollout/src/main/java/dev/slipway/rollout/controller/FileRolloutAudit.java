package dev.slipway.rollout.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.OwnerOnlyFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log of rollouts kept on this machine (without a server): every transition, with who or what decided
 * and why, appended as one JSON line to {@code <dir>/<app>/<environment>.audit.jsonl} beside the rollout's
 * state ({@link FileRolloutStore}), created 0600. Each line goes in one append, so the commands of several
 * terminals (a {@code rollout run} ticking, a person's {@code rollout pause}) never interleave inside a line; a
 * line cut short by a crash is skipped when read.
 */
public final class FileRolloutAudit implements RolloutEvents {
    private static final Logger LOG = LoggerFactory.getLogger(FileRolloutAudit.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileRolloutStore files;

    /** Under {@code dir}, the directory of the {@link FileRolloutStore} the rollouts are kept in. */
    public FileRolloutAudit(Path dir) {
        this.files = new FileRolloutStore(dir);
    }

    Path file(RolloutKey key) {
        return files.file(key).resolveSibling(key.environment() + ".audit.jsonl");
    }

    @Override
    public void transition(RolloutEvent event) {
        Path f = file(event.key());
        ObjectNode line = JSON.createObjectNode()
                .put("at", event.at().toString())
                .put("action", event.action())
                .put("actor", event.actor())
                .put("details", event.details());
        event.cluster().ifPresent(c -> line.put("cluster", c));
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            OwnerOnlyFiles.directory(f.getParent().getParent());
            OwnerOnlyFiles.directory(f.getParent());
            if (!Files.exists(f)) {
                try {
                    OwnerOnlyFiles.createFile(f);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another command created it first
                }
            }
            try (FileChannel out = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "the rollout event {} of {} was not written to {}: {}",
                    event.action(),
                    event.target(),
                    f,
                    e.toString());
        }
    }

    /** The newest {@code limit} transitions of {@code key}'s rollouts, oldest first; none when nothing was kept. */
    public List<RolloutEvent> read(RolloutKey key, int limit) {
        Path f = file(key);
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        }
        List<RolloutEvent> events = new ArrayList<>();
        for (String line : lines) {
            parse(key, line).ifPresent(events::add);
        }
        return List.copyOf(events.subList(Math.max(0, events.size() - limit), events.size()));
    }

    private static Optional<RolloutEvent> parse(RolloutKey key, String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return Optional.of(new RolloutEvent(
                    Instant.parse(n.path("at").asText()),
                    key,
                    n.hasNonNull("cluster") ? Optional.of(n.get("cluster").asText()) : Optional.empty(),
                    n.path("action").asText(),
                    n.path("actor").asText(),
                    n.path("details").asText()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // a line cut short by a crash, or not ours
        }
    }
}
