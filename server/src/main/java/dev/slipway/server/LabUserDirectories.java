package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.core.Problem;
import dev.slipway.local.ChildEnvironment;
import dev.slipway.local.LabUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a root server opens to the user its labs run as ({@code --lab-user}), and nothing more: the state
 * directory, {@code labs/} and {@code labs/run/} become passable (0711: entered, not listed), so a lab reaches its
 * private {@code HOME} and {@code TMPDIR}, and the exported commits readable, so it can run its branch. Everything
 * else directly in the state directory is narrowed to 0600 files and 0700 directories (the admin token, the H2
 * database, the TLS CA, the labs' logs), so the lab user can open none of it.
 */
final class LabUserDirectories {

    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rwxr-xr-x");

    private LabUserDirectories() {}

    /**
     * Opens the labs' directories to {@code user} and checks it can enter them.
     *
     * @throws InvalidInputException when a directory above them is closed to it (a state directory under
     *     {@code /root}, say)
     */
    static void open(ServerConfig config, LabUser user) {
        Path state = config.stateDir().toAbsolutePath();
        Path labs = state.resolve("labs");
        Path run = labs.resolve("run");
        Path checkouts = config.cacheDir().toAbsolutePath().resolve("checkouts");
        try {
            OwnerOnlyFiles.directory(labs.resolve("logs"));
            Files.createDirectories(run);
            Files.createDirectories(checkouts);
            try (Stream<Path> entries = Files.list(state)) {
                for (Path entry : entries.toList()) {
                    if (!entry.equals(labs) && !entry.equals(checkouts)) {
                        narrow(entry);
                    }
                }
            }
            for (Path dir : List.of(state, labs, run)) {
                Files.setPosixFilePermissions(dir, ChildEnvironment.PASS_THROUGH);
            }
            Files.setPosixFilePermissions(checkouts, READABLE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the labs' directories in " + state, e);
        }
        for (Path dir : List.of(run, checkouts)) {
            if (!user.canEnter(dir)) {
                throw new InvalidInputException(new Problem(
                        "--lab-user " + user.name(),
                        "user " + user.name() + " cannot enter " + dir
                                + ", where its labs run: a directory above it is closed to that user (/root is 0700)",
                        "give the server a state directory every user may pass through, e.g. --state-dir"
                                + " /var/lib/slipway (exported commits then go there too)"));
            }
        }
    }

    /** A file 0600, a directory 0700, unless narrower already. */
    private static void narrow(Path entry) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(entry);
        Set<PosixFilePermission> allowed = Files.isDirectory(entry) ? OwnerOnlyFiles.DIRECTORY : OwnerOnlyFiles.FILE;
        if (!allowed.containsAll(mode)) {
            mode.retainAll(allowed);
            Files.setPosixFilePermissions(entry, mode);
        }
    }
}
