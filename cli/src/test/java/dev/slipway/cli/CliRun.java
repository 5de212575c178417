package dev.slipway.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** Runs the CLI in-process with a captured stdout/stderr, a private home and chosen environment. */
final class CliRun {
    private final Path home;
    private final Path workingDirectory;
    private final Map<String, String> env = new HashMap<>();
    private String stdin = "";
    private boolean terminal;
    private Clock clock = Clock.systemUTC();

    CliRun(Path home, Path workingDirectory) {
        this.home = home;
        this.workingDirectory = workingDirectory;
    }

    CliRun env(String name, String value) {
        env.put(name, value);
        return this;
    }

    CliRun stdin(String text) {
        this.stdin = text;
        return this;
    }

    CliRun terminal(boolean terminal) {
        this.terminal = terminal;
        return this;
    }

    /** The clock commands read (lab expiry, durations shown); tests move a {@code MutableClock} by hand. */
    CliRun clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    Result run(String... args) {
        return run(new StringWriter(), new StringWriter(), args);
    }

    /** As {@link #run(String...)}, printing into {@code out} and {@code err}, which a test may read meanwhile. */
    Result run(StringWriter out, StringWriter err, String... args) {
        CliContext context = new CliContext(
                env,
                home,
                workingDirectory,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                terminal,
                clock);
        int code = Main.run(context, new PrintWriter(out, true), new PrintWriter(err, true), args);
        stdin = "";
        return new Result(code, out.toString(), err.toString());
    }

    /** What a run printed and returned. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }
}
