package dev.slipway.cli;

import dev.slipway.core.SlipwayPaths;
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
 * @param home the user's home directory: {@code $HOME} from {@code env} when set, else the value given (the
 *     passwd entry's home, {@code user.home}); see {@link SlipwayPaths}
 * @param workingDirectory where relative paths are resolved
 * @param stdin standard input (secret values arrive here)
 * @param terminal whether stdout is an interactive terminal (colors, live progress)
 * @param clock for durations shown to the user
 */
public record CliContext(
        Map<String, String> env, Path home, Path workingDirectory, InputStream stdin, boolean terminal, Clock clock) {

    public CliContext {
        env = Map.copyOf(env);
        home = SlipwayPaths.home(env, home, workingDirectory);
    }

    /**
     * The real process: its environment ({@code $HOME} first, {@code user.home} only when it is unset),
     * {@code System.in}, and whether a console is attached.
     */
    public static CliContext ofProcess() {
        String passwdHome = System.getProperty("user.home");
        return new CliContext(
                System.getenv(),
                passwdHome == null ? null : Path.of(passwdHome),
                Path.of("").toAbsolutePath(),
                System.in,
                System.console() != null,
                Clock.systemUTC());
    }

    /** Where Slipway's state, config and cache directories are for this environment. */
    public SlipwayPaths paths() {
        return SlipwayPaths.of(env, home, workingDirectory);
    }

    public Optional<String> envValue(String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
    }

    /**
     * What {@code slipway up} keeps on this machine: in the state directory of {@link #paths()} (created owner-only
     * before anything goes in), exported commits in its cache directory.
     */
    public LocalState localState() {
        SlipwayPaths paths = paths();
        return LocalState.at(paths.createState(), paths.checkouts());
    }

    public Path resolve(Path path) {
        return workingDirectory.resolve(path).normalize();
    }
}
