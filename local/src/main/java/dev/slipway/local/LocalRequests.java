package dev.slipway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.UserFacingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * How a command asks the running {@code slipway up} of an app to do something (redeploy it, start, stop or
 * extend a lab) and waits for the answer: files in {@code <state>/run/<app>/requests/}.
 *
 * <p>The asking command writes {@code <id>.json}; the running {@code up} renames it to {@code <id>.taken}, appends
 * progress lines to {@code <id>.log} and finally writes {@code <id>.done} ({@code ok} and a {@code message}),
 * which the asking command prints and removes. Every file is written whole (atomic rename) or appended by lines,
 * so neither side ever reads half a message.
 */
public final class LocalRequests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalRequests() {}

    /** What the running {@code up} answered. */
    public record Outcome(boolean ok, String message, JsonNode answer) {}

    /**
     * Leaves {@code request} for the {@code up} that runs {@code owner}, prints its progress lines to
     * {@code out} (indented) as they come, and returns its outcome.
     *
     * @throws UserFacingException when that {@code up} stops before answering
     */
    public static Outcome send(LocalState state, LocalState.Running owner, ObjectNode request, PrintWriter out) {
        Path dir = state.requestsDirectory(owner.app());
        String id = UUID.randomUUID().toString();
        Path log = dir.resolve(id + ".log");
        Path done = dir.resolve(id + ".done");
        LocalState.writeJson(dir.resolve(id + ".json"), request);
        long offset = 0;
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (true) {
                // read done first: everything logged before it was written is then in the log too
                boolean finished = Files.exists(done);
                offset = printNewLines(log, offset, out);
                if (finished) {
                    JsonNode answer = JSON.readTree(done.toFile());
                    Files.deleteIfExists(done);
                    Files.deleteIfExists(log);
                    return new Outcome(
                            answer.path("ok").asBoolean(),
                            answer.path("message").asText(),
                            answer);
                }
                if (!ProcessHandle.of(owner.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                    Files.deleteIfExists(dir.resolve(id + ".json"));
                    throw new UserFacingException("slipway up of '" + owner.app() + "' (pid " + owner.pid()
                            + ") stopped before answering; see slipway logs " + owner.app());
                }
                var key = watch.poll(500, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot talk to slipway up through " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserFacingException("interrupted while waiting for slipway up of '" + owner.app()
                    + "'; it carries on (slipway ps shows where it is)");
        }
    }

    /** Prints the complete lines of {@code log} after {@code offset}; returns the offset after them. */
    private static long printNewLines(Path log, long offset, PrintWriter out) throws IOException {
        if (!Files.exists(log)) {
            return offset;
        }
        byte[] bytes;
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            if (f.length() <= offset) {
                return offset;
            }
            f.seek(offset);
            bytes = new byte[(int) (f.length() - offset)];
            f.readFully(bytes);
        } catch (java.io.FileNotFoundException gone) {
            return offset;
        }
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        if (end == 0) {
            return offset;
        }
        for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
            out.println("  " + line);
        }
        out.flush();
        return offset + end;
    }

    /** A request as the running {@code up} handles it. */
    public static final class Request {
        private final Path dir;
        private final String id;
        private final JsonNode body;

        private Request(Path dir, String id, JsonNode body) {
            this.dir = dir;
            this.id = id;
            this.body = body;
        }

        public JsonNode body() {
            return body;
        }

        public String type() {
            return body.path("type").asText();
        }

        /** One line of progress for the asking command. */
        public void progress(String line) {
            try {
                Files.writeString(
                        dir.resolve(id + ".log"),
                        line.replace('\n', ' ') + "\n",
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write progress of request " + id, e);
            }
        }

        /** The outcome; the asking command prints {@code message} and exits 0 when {@code ok}, else 1. */
        public void finish(boolean ok, String message) {
            finish(ok, message, JSON.createObjectNode());
        }

        public void finish(boolean ok, String message, ObjectNode answer) {
            answer.put("ok", ok).put("message", message);
            try {
                Path tmp = dir.resolve(id + ".done.tmp");
                Files.writeString(tmp, JSON.writeValueAsString(answer));
                Files.move(tmp, dir.resolve(id + ".done"), StandardCopyOption.ATOMIC_MOVE);
                Files.deleteIfExists(dir.resolve(id + ".taken"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot answer request " + id, e);
            }
        }
    }

    /**
     * Takes the requests waiting in {@code dir}, oldest first: each is renamed so it is handled once. A file
     * that is not JSON is answered with an error.
     */
    public static List<Request> take(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> waiting;
        try (Stream<Path> files = Files.list(dir)) {
            waiting = files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .sorted((a, b) -> Long.compare(modified(a), modified(b)))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        List<Request> out = new ArrayList<>();
        for (Path f : waiting) {
            String name = f.getFileName().toString();
            String id = name.substring(0, name.length() - ".json".length());
            Path taken = dir.resolve(id + ".taken");
            try {
                Files.move(f, taken, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException gone) {
                continue; // withdrawn by its sender
            } catch (IOException e) {
                throw new UncheckedIOException("cannot take request " + f, e);
            }
            try {
                out.add(new Request(dir, id, JSON.readTree(taken.toFile())));
            } catch (IOException e) {
                new Request(dir, id, JSON.createObjectNode()).finish(false, "unreadable request: " + e.getMessage());
            }
        }
        return out;
    }

    /** Removes what an earlier {@code up} of the app left behind. */
    public static void clear(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir, e);
        }
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }
}
