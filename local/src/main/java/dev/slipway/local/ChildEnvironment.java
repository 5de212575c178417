package dev.slipway.local;

import dev.slipway.core.OwnerOnlyFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The environment a local process starts from: an explicit allow-list of the caller's variables, never the
 * caller's whole environment, so a lab of any branch cannot read the server's database password ({@code PGPASSWORD})
 * or a developer's cloud credentials from its own environment. The service's {@code env:} and secrets come on top.
 */
public final class ChildEnvironment {

    /** What every local process may inherit from its caller, when set: finding programs, language and time zone. */
    public static final List<String> INHERITED = List.of("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ");

    /**
     * The variable of {@code slipway up}'s caller naming more variables to pass on (comma-separated, e.g.
     * {@code JAVA_HOME,VIRTUAL_ENV}); the server never reads it.
     */
    public static final String PASS_ENV = "SLIPWAY_PASS_ENV";

    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    /** {@code rwx--x--x}: others may pass through to what they may use inside, not list it. */
    public static final Set<PosixFilePermission> PASS_THROUGH = PosixFilePermissions.fromString("rwx--x--x");

    private ChildEnvironment() {}

    /** {@link #INHERITED} of {@code caller} (a default {@code PATH} when it has none), with unbuffered Python. */
    public static Map<String, String> minimal(Map<String, String> caller) {
        Map<String, String> env = new HashMap<>();
        for (String name : INHERITED) {
            String value = caller.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.putIfAbsent("PATH", DEFAULT_PATH);
        env.put("PYTHONUNBUFFERED", "1");
        return env;
    }

    /**
     * {@link #minimal} plus the variables {@link #PASS_ENV} of {@code caller} names, for {@code slipway up}, where
     * the caller is the developer who chose them. {@code SLIPWAY_*} variables are never passed.
     */
    public static Map<String, String> minimalWithPassEnv(Map<String, String> caller) {
        Map<String, String> env = minimal(caller);
        for (String name : caller.getOrDefault(PASS_ENV, "").split(",")) {
            String trimmed = name.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("SLIPWAY_") && caller.containsKey(trimmed)) {
                env.put(trimmed, caller.get(trimmed));
            }
        }
        return env;
    }

    /**
     * {@code base} with {@code HOME} and {@code TMPDIR} (and {@code TMP}, {@code TEMP}) in {@code dir/home} and
     * {@code dir/tmp}, both created owner-only (0700), so nothing the process writes there is shared.
     */
    public static Map<String, String> withPrivateDirectories(Map<String, String> base, Path dir) {
        return withPrivateDirectories(base, dir, Optional.empty());
    }

    /**
     * As {@link #withPrivateDirectories(Map, Path)}, the two directories owned by {@code owner} when given (still
     * 0700), and {@code dir} 0711 so that user can pass through it to them without listing it.
     */
    public static Map<String, String> withPrivateDirectories(
            Map<String, String> base, Path dir, Optional<LabUser> owner) {
        Map<String, String> env = new HashMap<>(base);
        try {
            OwnerOnlyFiles.directory(dir);
            Path home = OwnerOnlyFiles.directory(dir.resolve("home"));
            Path tmp = OwnerOnlyFiles.directory(dir.resolve("tmp"));
            if (owner.isPresent()) {
                Files.setPosixFilePermissions(dir, PASS_THROUGH);
                owner.get().own(home);
                owner.get().own(tmp);
            }
            env.put("HOME", home.toAbsolutePath().toString());
            env.put("TMPDIR", tmp.toAbsolutePath().toString());
            env.put("TMP", tmp.toAbsolutePath().toString());
            env.put("TEMP", tmp.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the private home and temporary directory in " + dir, e);
        }
        return env;
    }
}
