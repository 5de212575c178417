package dev.slipway.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;

/**
 * The per-app log file ({@code <dir>/<app>.log}), rotated by size so a chatty service cannot fill the disk:
 * {@code app.log} is renamed {@code app.log.1}, older files shift up and the oldest beyond {@code keep} goes.
 */
public final class RotatingFileLog implements LogSink {
    private final Path file;
    private final long maxBytes;
    private final int keep;
    private final Clock clock;
    private Writer writer;
    private long size;

    private RotatingFileLog(Path file, long maxBytes, int keep, Clock clock) {
        this.file = file;
        this.maxBytes = maxBytes;
        this.keep = keep;
        this.clock = clock;
    }

    /** Appends to {@code <directory>/<app>.log}, rotating at {@code maxBytes} and keeping {@code keep} old files. */
    public static RotatingFileLog open(Path directory, String app, long maxBytes, int keep, Clock clock) {
        RotatingFileLog log = new RotatingFileLog(directory.resolve(app + ".log"), maxBytes, keep, clock);
        try {
            Files.createDirectories(directory);
            log.openWriter();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open log file " + log.file, e);
        }
        return log;
    }

    /** The file lines are appended to. */
    public Path file() {
        return file;
    }

    @Override
    public synchronized void line(ReplicaId replica, String text) {
        String line = Instant.now(clock) + " " + LogSink.format(replica, text) + "\n";
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        try {
            if (size > 0 && size + bytes.length > maxBytes) {
                rotate();
            }
            writer.write(line);
            writer.flush();
            size += bytes.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write log file " + file, e);
        }
    }

    private void rotate() throws IOException {
        writer.close();
        Files.deleteIfExists(numbered(keep));
        for (int i = keep - 1; i >= 1; i--) {
            if (Files.exists(numbered(i))) {
                Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (keep > 0) {
            Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.delete(file);
        }
        openWriter();
    }

    private Path numbered(int i) {
        return file.resolveSibling(file.getFileName() + "." + i);
    }

    private void openWriter() throws IOException {
        writer = Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(file);
    }

    @Override
    public synchronized void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close log file " + file, e);
        }
    }
}
