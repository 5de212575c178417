package dev.slipway.cli;

import dev.slipway.local.LocalState;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * What a command may read from the world outside its arguments, passed in so tests run commands in-process
 * with their own environment, home, stdin and terminal.
 *
 * @param env environment variables
 * @param home the user's home directory (config defaults live under it)
 * @param workingDirectory where relative paths are resolved
 * @param stdin standard input (secret values arrive here)
 * @param terminal whether stdout is an interactive terminal (colors, live progress)
 * @param clock for durations shown to the user
 */
public record CliContext(
        Map<String, String> env, Path home, Path workingDirectory, InputStream stdin, boolean terminal, Clock clock) {

    public CliContext {
        env = Map.copyOf(env);
    }

    /** The real process: its environment, {@code user.home}, {@code System.in}, and whether a console is attached. */
    public static CliContext ofProcess() {
        return new CliContext(
                System.getenv(),
                Path.of(System.getProperty("user.home")),
                Path.of("").toAbsolutePath(),
                System.in,
                System.console() != null,
                Clock.systemUTC());
    }

    public Optional<String> envValue(String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
    }

    /** What {@code slipway up} keeps on this machine: under {@code $SLIPWAY_STATE_DIR}, else {@code ~/.slipway}. */
    public LocalState localState() {
        return LocalState.at(
                envValue("SLIPWAY_STATE_DIR").map(v -> resolve(Path.of(v))).orElse(home().resolve(".slipway")));
    }

    public Path resolve(Path path) {
        return workingDirectory.resolve(path).normalize();
    }
}
