package dev.slipway.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where Slipway keeps its files on this machine, decided from the environment ({@code $SLIPWAY_HOME}, the XDG
 * variables, {@code $HOME}) the way kubectl, helm and git do, so a temporary {@code HOME} or a mounted home is
 * honoured; Java's {@code user.home} (the passwd entry) is only the fallback when {@code HOME} is unset.
 *
 * <p>{@code $SLIPWAY_HOME} set: {@code state/}, {@code config/} and {@code cache/} under it. Otherwise
 * {@code $XDG_STATE_HOME/slipway}, {@code $XDG_CONFIG_HOME/slipway}, {@code $XDG_CACHE_HOME/slipway} (relative
 * XDG values are ignored, as the spec says), else {@code ~/.local/state/slipway}, {@code ~/.config/slipway},
 * {@code ~/.cache/slipway}. {@code $SLIPWAY_STATE_DIR} overrides the state directory alone.
 *
 * <p>Slipway 0.x kept its state in {@code ~/.slipway}. While that directory exists and the new state directory
 * does not, it stays in use ({@link #legacyState()}), so nothing running or recorded there is lost; moving it is
 * the user's step ({@link #legacyNotice()}), because a running server or {@code slipway up} holds files in it.
 *
 * @param home the user's home directory ({@code $HOME}, else the passwd entry's): for {@code ~} in paths and
 *     {@code ~/.kube/config}
 * @param state what Slipway records and must not lose: the server's database, tokens, TLS CA, local runs, logs
 * @param config what the user writes: {@code config.yaml}, {@code clusters.yaml}, the token file, secrets
 * @param cache what can be made again: exported commits
 * @param legacyState set while the 0.x {@code ~/.slipway} directory is in use as {@code state}
 */
public record SlipwayPaths(Path home, Path state, Path config, Path cache, Optional<LegacyState> legacyState) {

    /**
     * The 0.x state directory still in use, and where it belongs now.
     *
     * @param directory {@code ~/.slipway}
     * @param destination the XDG state directory it should be moved to
     */
    public record LegacyState(Path directory, Path destination) {}

    /** The environment variable that puts all of Slipway's directories under one root. */
    public static final String HOME_VAR = "SLIPWAY_HOME";
    /** The environment variable naming the state directory alone (kept from 0.x; tests use it). */
    public static final String STATE_DIR_VAR = "SLIPWAY_STATE_DIR";

    static final String LEGACY_NOTICE_MARKER = ".moved-notice";

    public SlipwayPaths {
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(legacyState, "legacyState");
    }

    /**
     * The directories for this environment; relative {@code $SLIPWAY_HOME} / {@code $SLIPWAY_STATE_DIR} values are
     * resolved against the process's working directory.
     *
     * @param passwdHome the home directory of the passwd entry ({@code user.home}), used only when {@code HOME} is
     *     unset or empty; may be null
     */
    public static SlipwayPaths of(Map<String, String> env, Path passwdHome) {
        return of(env, passwdHome, Path.of("").toAbsolutePath());
    }

    /** As {@link #of(Map, Path)}, resolving relative values against {@code workingDirectory}. */
    public static SlipwayPaths of(Map<String, String> env, Path passwdHome, Path workingDirectory) {
        Path home = home(env, passwdHome, workingDirectory);
        Optional<Path> root =
                value(env, HOME_VAR).map(v -> workingDirectory.resolve(v).normalize());
        Path config = root.map(r -> r.resolve("config")).orElseGet(() -> xdg(env, "XDG_CONFIG_HOME", home, ".config"));
        Path cache = root.map(r -> r.resolve("cache")).orElseGet(() -> xdg(env, "XDG_CACHE_HOME", home, ".cache"));
        Optional<Path> explicitState = value(env, STATE_DIR_VAR)
                .map(v -> workingDirectory.resolve(v).normalize())
                .or(() -> root.map(r -> r.resolve("state")));
        if (explicitState.isPresent()) {
            return new SlipwayPaths(home, explicitState.get(), config, cache, Optional.empty());
        }
        Path state = xdg(env, "XDG_STATE_HOME", home, ".local/state");
        Path legacy = home.resolve(".slipway");
        if (!Files.exists(state) && Files.isDirectory(legacy)) {
            return new SlipwayPaths(home, legacy, config, cache, Optional.of(new LegacyState(legacy, state)));
        }
        return new SlipwayPaths(home, state, config, cache, Optional.empty());
    }

    /** {@code $HOME}, else the passwd entry's home; refused when neither is known. */
    public static Path home(Map<String, String> env, Path passwdHome, Path workingDirectory) {
        Optional<Path> fromEnv =
                value(env, "HOME").map(v -> workingDirectory.resolve(v).normalize());
        if (fromEnv.isPresent()) {
            return fromEnv.get();
        }
        // A JVM without a passwd entry reports "?" as user.home.
        if (passwdHome == null
                || passwdHome.toString().isBlank()
                || passwdHome.toString().equals("?")) {
            throw new InvalidInputException(new Problem(
                    "$HOME",
                    "HOME is not set and this user has no home directory in the passwd database",
                    "set HOME to a directory this user owns (it is also where ~ and ~/.kube/config are looked for)"));
        }
        return passwdHome.toAbsolutePath().normalize();
    }

    /** The clusters file's default place. */
    public Path clustersFile() {
        return config.resolve("clusters.yaml");
    }

    /** The CLI's settings file. */
    public Path configFile() {
        return config.resolve("config.yaml");
    }

    /** Where exported commits are cached. */
    public Path checkouts() {
        return cache.resolve("checkouts");
    }

    /**
     * What to tell the user once while the legacy {@code ~/.slipway} is in use: that it is, and how to move it.
     * Empty when there is nothing to say.
     */
    public Optional<String> legacyNotice() {
        return legacyState.map(legacy -> "Slipway's state is in " + legacy.directory() + ", its 0.x place; it now"
                + " belongs in " + legacy.destination() + ". It keeps working where it is. To move it, stop"
                + " `slipway server` and `slipway up`, then run: mkdir -p "
                + legacy.destination().getParent()
                + " && mv " + legacy.directory() + " " + legacy.destination());
    }

    /**
     * {@link #legacyNotice()} the first time it is asked for this legacy directory (a marker file in it records
     * that it was said), so the hint is given once rather than on every command.
     */
    public Optional<String> legacyNoticeOnce() {
        if (legacyState.isEmpty()) {
            return Optional.empty();
        }
        try {
            Files.createFile(legacyState.get().directory().resolve(LEGACY_NOTICE_MARKER));
            return legacyNotice();
        } catch (FileAlreadyExistsException e) {
            return Optional.empty();
        } catch (IOException e) {
            // A directory we cannot write to: say it every time rather than never.
            return legacyNotice();
        }
    }

    /** Creates the state directory (owner only) if it does not exist yet, and returns it. */
    public Path createState() {
        try {
            return OwnerOnlyFiles.directory(state);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + state, e);
        }
    }

    private static Path xdg(Map<String, String> env, String variable, Path home, String fallback) {
        return value(env, variable)
                .map(Path::of)
                .filter(Path::isAbsolute) // the XDG Base Directory spec: relative values are invalid, ignore them
                .orElse(home.resolve(fallback))
                .resolve("slipway");
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
    }
}
