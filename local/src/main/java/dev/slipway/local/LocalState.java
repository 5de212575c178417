package dev.slipway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where {@code slipway up} keeps what {@code down}, {@code ps} and {@code logs} read: one JSON file per running
 * app under {@code <state>/run/}, its next revision, labs and pending requests under {@code <state>/run/<app>/},
 * logs under {@code <state>/logs/}; exported commits in the cache directory. The CLI says where those are
 * ({@link dev.slipway.core.SlipwayPaths}: usually {@code ~/.local/state/slipway} and {@code ~/.cache/slipway}).
 */
public final class LocalState {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;
    private final Path checkouts;

    private LocalState(Path root, Path checkouts) {
        this.root = root;
        this.checkouts = checkouts;
    }

    /** The local state kept under {@code root}, with exported commits under {@code checkouts}. */
    public static LocalState at(Path root, Path checkouts) {
        return new LocalState(root, checkouts);
    }

    /** The local state kept under {@code root}, exported commits included ({@code root/checkouts}). */
    public static LocalState at(Path root) {
        return new LocalState(root, root.resolve("checkouts"));
    }

    /** Where commits of other branches than the one checked out are exported for local labs. */
    public Path checkouts() {
        return checkouts;
    }

    public Path logs() {
        return root.resolve("logs");
    }

    public Path runDirectory(String app) {
        return root.resolve("run").resolve(app);
    }

    public Path stateFile(String app) {
        return root.resolve("run").resolve(app + ".json");
    }

    /** The state of a running app as {@code up} last wrote it. */
    public record Running(String app, long pid, String url, String directory, String phase, JsonNode replicas) {}

    /** Where {@code up --next} records the next revision's replicas, read by the running {@code up}. */
    public Path nextFile(String app) {
        return runDirectory(app).resolve("next.json");
    }

    /** Where {@code up} records its router's admin address, for {@code slipway traffic}. */
    public Path adminFile(String app) {
        return runDirectory(app).resolve("admin");
    }

    /** Where the running {@code up} records each of the app's labs, one {@code <slug>.json} each. */
    public Path labsDirectory(String app) {
        return runDirectory(app).resolve("labs");
    }

    public Path labFile(String app, String slug) {
        return labsDirectory(app).resolve(slug + ".json");
    }

    /** Where other commands leave requests for the running {@code up} (see {@link LocalRequests}). */
    public Path requestsDirectory(String app) {
        return runDirectory(app).resolve("requests");
    }

    /**
     * A lab as the {@code up} that runs it last recorded it.
     *
     * @param ref the commit checked out when it was last deployed, as the CLI describes a git checkout (short SHA, {@code +dirty})
     * @param pid the {@code slipway up} that owns the lab's processes
     */
    public record Lab(
            String app,
            String branch,
            String slug,
            String url,
            String directory,
            String ref,
            Instant created,
            Instant lastDeploy,
            Duration ttl,
            Instant expiresAt,
            int rev,
            String phase,
            long pid,
            JsonNode replicas) {

        public ObjectNode toJson() {
            ObjectNode n = JSON.createObjectNode()
                    .put("app", app)
                    .put("branch", branch)
                    .put("slug", slug)
                    .put("url", url)
                    .put("directory", directory)
                    .put("ref", ref)
                    .put("created", created.toString())
                    .put("lastDeploy", lastDeploy.toString())
                    .put("ttl", dev.slipway.core.spec.Durations.format(ttl))
                    .put("expiresAt", expiresAt.toString())
                    .put("rev", rev)
                    .put("phase", phase)
                    .put("pid", pid);
            n.set("replicas", replicas);
            return n;
        }

        public static Lab of(JsonNode n) {
            return new Lab(
                    n.path("app").asText(),
                    n.path("branch").asText(),
                    n.path("slug").asText(),
                    n.path("url").asText(),
                    n.path("directory").asText(),
                    n.path("ref").asText(),
                    Instant.parse(n.path("created").asText()),
                    Instant.parse(n.path("lastDeploy").asText()),
                    dev.slipway.core.spec.Durations.parse(n.path("ttl").asText())
                            .orElse(dev.slipway.core.lab.LabExpiry.DEFAULT_TTL),
                    Instant.parse(n.path("expiresAt").asText()),
                    n.path("rev").asInt(),
                    n.path("phase").asText(),
                    n.path("pid").asLong(),
                    n.path("replicas"));
        }
    }

    public void writeLab(Lab lab) {
        writeJson(labFile(lab.app(), lab.slug()), lab.toJson());
    }

    public void removeLab(String app, String slug) {
        delete(labFile(app, slug));
    }

    /** The app's labs, by slug, whose owning {@code up} still lives (files of a dead one are removed). */
    public List<Lab> labs(String app) {
        Path dir = labsDirectory(app);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Lab> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList()) {
                readLive(f).map(Lab::of).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return out;
    }

    /** Every lab of every app that runs locally. */
    public List<Lab> allLabs() {
        List<Lab> out = new ArrayList<>();
        all().forEach(r -> out.addAll(labs(r.app())));
        return out;
    }

    /** The replica rows of {@code status}, as the state files list them. */
    public static ArrayNode replicaRows(List<ReplicaStatus> status) {
        ArrayNode rows = JSON.createArrayNode();
        for (ReplicaStatus s : status) {
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
        return rows;
    }

    public void write(String app, long pid, String url, Path directory, String phase, List<ReplicaStatus> replicas) {
        writeTo(stateFile(app), app, pid, url, directory, phase, replicas);
    }

    public void writeTo(
            Path file, String app, long pid, String url, Path directory, String phase, List<ReplicaStatus> replicas) {
        ObjectNode node = JSON.createObjectNode()
                .put("app", app)
                .put("pid", pid)
                .put("url", url)
                .put("directory", directory.toString())
                .put("phase", phase);
        node.set("replicas", replicaRows(replicas));
        writeJson(file, node);
    }

    /** Replaces {@code file} atomically, so a reader never sees half of it. */
    public static void writeJson(Path file, JsonNode node) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file, e);
        }
    }

    public void remove(String app) {
        delete(stateFile(app));
    }

    public Optional<Running> read(String app) {
        return readFrom(stateFile(app));
    }

    /** The next revision started with {@code up --next}, while its process lives. */
    public Optional<Running> readNext(String app) {
        return readFrom(nextFile(app));
    }

    private Optional<Running> readFrom(Path file) {
        return readLive(file)
                .map(n -> new Running(
                        n.path("app").asText(),
                        n.path("pid").asLong(),
                        n.path("url").asText(),
                        n.path("directory").asText(),
                        n.path("phase").asText(),
                        n.path("replicas")));
    }

    /** A state file, unless the process that wrote it ({@code pid}) is gone: then the file is stale and removed. */
    private static Optional<JsonNode> readLive(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            // A state file of a process that died without cleaning up (kill -9) is stale.
            if (ProcessHandle.of(n.path("pid").asLong())
                    .map(ProcessHandle::isAlive)
                    .orElse(false)) {
                return Optional.of(n);
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

    public List<Running> all() {
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
