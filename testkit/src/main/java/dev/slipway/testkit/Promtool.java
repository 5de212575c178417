package dev.slipway.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Prometheus' own checker, run by tests on what Slipway serves and ships: {@code promtool check metrics} on a
 * scrape, {@code promtool check rules} and {@code promtool test rules} on the alert rules. A machine without
 * promtool skips those tests, saying how to get it; under CI ({@code CI=true}, where {@code .ci/run} installs it)
 * its absence fails them instead, so CI never passes without having checked.
 */
public final class Promtool {

    private static final long TIMEOUT_SECONDS = 60;

    private Promtool() {}

    /** What one promtool run printed (stdout and stderr together) and its exit code. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** The promtool binary on the PATH; skips the calling test when there is none (fails it under CI). */
    public static Path require() {
        Optional<Path> found = find();
        if (found.isEmpty()) {
            String how = "promtool is not on the PATH: install it (Debian: apt-get download prometheus, then take"
                    + " usr/bin/promtool out of the .deb with dpkg-deb -x, as .ci/run does) to run this test";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(how + "; CI must run it");
            }
            Assumptions.abort(how);
        }
        return found.get();
    }

    /** Lints a Prometheus text exposition ({@code promtool check metrics}, which reads it on stdin). */
    public static Result checkMetrics(String exposition) {
        return run(Optional.of(exposition), Path.of("."), "check", "metrics");
    }

    /** Runs {@code promtool ARGS} in {@code directory}. */
    public static Result run(Path directory, String... args) {
        return run(Optional.empty(), directory, args);
    }

    private static Result run(Optional<String> stdin, Path directory, String... args) {
        List<String> command = new ArrayList<>();
        command.add(require().toString());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin.isPresent()) {
                    in.write(stdin.get().getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(
                        "promtool " + String.join(" ", args) + " did not end within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), output.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while promtool ran", e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Path> find() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
