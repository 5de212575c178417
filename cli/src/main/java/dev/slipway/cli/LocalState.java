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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where {@code slipway up} keeps what {@code down}, {@code ps} and {@code logs} read: one JSON file per running
 * app under {@code <state>/run/}, its next revision, labs and pending requests under {@code <state>/run/<app>/},
 * logs under {@code <state>/logs/}; exported commits in the cache directory. Where those are is
 * {@link dev.slipway.core.SlipwayPaths}'s decision (usually {@code ~/.local/state/slipway}).
 */
final class LocalState {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;
    private final Path checkouts;

    private LocalState(Path root, Path checkouts) {
        this.root = root;
        this.checkouts = checkouts;
    }

    static LocalState of(CliContext context) {
        dev.slipway.core.SlipwayPaths paths = context.paths();
        // Created owner-only before anything goes in: logs and state files are this user's business.
        return new LocalState(paths.createState(), paths.checkouts());
    }

    /** Where commits of other branches than the one checked out are exported for local labs. */
    Path checkouts() {
        return checkouts;
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

    /** Where the running {@code up} records each of the app's labs, one {@code <slug>.json} each. */
    Path labsDirectory(String app) {
        return runDirectory(app).resolve("labs");
    }

    Path labFile(String app, String slug) {
        return labsDirectory(app).resolve(slug + ".json");
    }

    /** Where other commands leave requests for the running {@code up} (see {@link LocalRequests}). */
    Path requestsDirectory(String app) {
        return runDirectory(app).resolve("requests");
    }

    /**
     * A lab as the {@code up} that runs it last recorded it.
     *
     * @param ref the commit checked out when it was last deployed, as {@link GitCheckout#describe()} writes it
     * @param pid the {@code slipway up} that owns the lab's processes
     */
    record Lab(
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

        ObjectNode toJson() {
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

        static Lab of(JsonNode n) {
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
                            .orElse(Duration.ofHours(24)),
                    Instant.parse(n.path("expiresAt").asText()),
                    n.path("rev").asInt(),
                    n.path("phase").asText(),
                    n.path("pid").asLong(),
                    n.path("replicas"));
        }
    }

    void writeLab(Lab lab) {
        writeJson(labFile(lab.app(), lab.slug()), lab.toJson());
    }

    void removeLab(String app, String slug) {
        delete(labFile(app, slug));
    }

    /** The app's labs, by slug, whose owning {@code up} still lives (files of a dead one are removed). */
    List<Lab> labs(String app) {
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
    List<Lab> allLabs() {
        List<Lab> out = new ArrayList<>();
        all().forEach(r -> out.addAll(labs(r.app())));
        return out;
    }

    /** The replica rows of {@code status}, as the state files list them. */
    static ArrayNode replicaRows(List<ReplicaStatus> status) {
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
        node.set("replicas", replicaRows(replicas));
        writeJson(file, node);
    }

    /** Replaces {@code file} atomically, so a reader never sees half of it. */
    static void writeJson(Path file, JsonNode node) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file, e);
        }
    }

    void remove(String app) {
        delete(stateFile(app));
    }

    Optional<Running> read(String app) {
        return readFrom(stateFile(app));
    }

    /** The next revision started with {@code up --next}, while its process lives. */
    Optional<Running> readNext(String app) {
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
