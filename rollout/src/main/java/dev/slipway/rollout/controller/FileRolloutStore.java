package dev.slipway.rollout.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.OwnerOnlyFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Rollout state in files, for {@code slipway rollout run} without a server: one file per rollout,
 * {@code <dir>/<app>/<environment>.json} (dir is {@code <state>/rollouts}), created 0600 in 0700 directories,
 * replaced whole (never half written), saved under an exclusive lock on {@code <dir>/.lock} with the version
 * inside the file compared, so two commands on one machine cannot both move a rollout.
 */
public final class FileRolloutStore implements RolloutStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    // App and environment names are DNS labels; anything else must not become a path.
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private static final ConcurrentHashMap<Path, Object> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path dir;

    /** Files under {@code dir}, e.g. {@code SlipwayPaths.state().resolve("rollouts")}. */
    public FileRolloutStore(Path dir) {
        this.dir = dir;
    }

    Path file(RolloutKey key) {
        for (String name : new String[] {key.app(), key.environment()}) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + name + "' is not an app or environment name");
            }
        }
        return dir.resolve(key.app()).resolve(key.environment() + ".json");
    }

    @Override
    public Optional<StoredRollout> load(RolloutKey key) {
        Path f = file(key);
        try {
            if (!Files.exists(f)) {
                return Optional.empty();
            }
            return Optional.of(parse(Files.readString(f, StandardCharsets.UTF_8), f));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    private static StoredRollout parse(String text, Path f) throws IOException {
        JsonNode root = JSON.readTree(text);
        if (root == null || !root.path("version").canConvertToLong() || !root.has("state")) {
            throw new IllegalArgumentException(f + " is not a rollout state file");
        }
        return new StoredRollout(
                RolloutStateJson.read(root.get("state").toString()),
                root.get("version").asLong());
    }

    @Override
    public long save(RolloutState state, long expectedVersion) {
        Path f = file(state.key());
        try {
            OwnerOnlyFiles.directory(dir);
            OwnerOnlyFiles.directory(f.getParent());
            Path lockFile = dir.resolve(".lock");
            if (!Files.exists(lockFile)) {
                try {
                    OwnerOnlyFiles.createFile(lockFile);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // Another process created it first: the same file serves.
                }
            }
            // A file lock keeps other processes out; within this one (a deploy following its rollout while
            // another command of the same JVM saves, as in tests) a second lock of the same file would be refused
            // (OverlappingFileLockException) rather than wait, so savers here queue on a lock per file first.
            synchronized (IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new Object())) {
                return saveLocked(state, expectedVersion, f, lockFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f, e);
        }
    }

    private static long saveLocked(RolloutState state, long expectedVersion, Path f, Path lockFile) throws IOException {
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                FileLock held = lock.lock()) {
            long found = Files.exists(f)
                    ? parse(Files.readString(f, StandardCharsets.UTF_8), f).version()
                    : 0;
            if (found != expectedVersion) {
                throw new StaleRolloutException(state.key(), expectedVersion, found);
            }
            ObjectNode root = JSON.createObjectNode();
            root.put("version", expectedVersion + 1);
            root.set("state", JSON.readTree(RolloutStateJson.write(state)));
            OwnerOnlyFiles.write(f, (root.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
            return expectedVersion + 1;
        }
    }
}
