package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.local.ReplicaStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where {@code slipway up} keeps what {@code down}, {@code ps} and {@code logs} read: one JSON file per running
 * app under {@code <state>/run/}, logs under {@code <state>/logs/}. The state directory is
 * {@code $SLIPWAY_STATE_DIR}, else {@code ~/.slipway}.
 */
final class LocalState {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;

    private LocalState(Path root) {
        this.root = root;
    }

    static LocalState of(CliContext context) {
        return new LocalState(context.envValue("SLIPWAY_STATE_DIR")
                .map(v -> context.resolve(Path.of(v)))
                .orElse(context.home().resolve(".slipway")));
    }

    Path logs() {
        return root.resolve("logs");
    }

    Path runDirectory(String app) {
        return root.resolve("run").resolve(app);
    }

    Path stateFile(String app) {
        return root.resolve("run").resolve(app + ".json");
    }

    /** The state of a running app as {@code up} last wrote it. */
    record Running(String app, long pid, String url, String directory, String phase, JsonNode replicas) {}

    /** Where {@code up --next} records the next revision's replicas, read by the running {@code up}. */
    Path nextFile(String app) {
        return runDirectory(app).resolve("next.json");
    }

    /** Where {@code up} records its router's admin address, for {@code slipway traffic}. */
    Path adminFile(String app) {
        return runDirectory(app).resolve("admin");
    }

    void write(String app, long pid, String url, Path directory, String phase, List<ReplicaStatus> replicas) {
        writeTo(stateFile(app), app, pid, url, directory, phase, replicas);
    }

    void writeTo(
            Path file, String app, long pid, String url, Path directory, String phase, List<ReplicaStatus> replicas) {
        ObjectNode node = JSON.createObjectNode()
                .put("app", app)
                .put("pid", pid)
                .put("url", url)
                .put("directory", directory.toString())
                .put("phase", phase);
        ArrayNode rows = node.putArray("replicas");
        for (ReplicaStatus s : replicas) {
            rows.addObject()
                    .put("service", s.id().service())
                    .put("cluster", s.id().cluster())
                    .put("replica", s.id().replica())
                    .put("rev", s.id().rev())
                    .put("phase", s.phase().name().toLowerCase())
                    .put("port", s.port())
                    .put("restarts", s.restarts())
                    .put("pid", s.pid())
                    .put("problem", s.problem().orElse(""));
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    void remove(String app) {
        try {
            Files.deleteIfExists(stateFile(app));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + stateFile(app), e);
        }
    }

    Optional<Running> read(String app) {
        return readFrom(stateFile(app));
    }

    /** The next revision started with {@code up --next}, while its process lives. */
    Optional<Running> readNext(String app) {
        return readFrom(nextFile(app));
    }

    private Optional<Running> readFrom(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            Running r = new Running(
                    n.path("app").asText(),
                    n.path("pid").asLong(),
                    n.path("url").asText(),
                    n.path("directory").asText(),
                    n.path("phase").asText(),
                    n.path("replicas"));
            // A state file of a process that died without cleaning up (kill -9) is stale.
            if (ProcessHandle.of(r.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                return Optional.of(r);
            }
            Files.deleteIfExists(file);
            return Optional.empty();
        } catch (java.nio.file.NoSuchFileException gone) {
            // removed between the check and the read: its process just stopped
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    List<Running> all() {
        Path dir = root.resolve("run");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Running> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList()) {
                String name = f.getFileName().toString();
                read(name.substring(0, name.length() - ".json".length())).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return out;
    }
}
