package dev.slipway.core;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files and directories only their owner may use (0600 / 0700), created with that mode in the same system call
 * that creates them, so there is no moment in which another local user could open them; and the check that
 * refuses a key or token file others can read. Where the file system has no POSIX permissions the modes are
 * skipped.
 */
public final class OwnerOnlyFiles {

    /** {@code rw-------}. */
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    /** {@code rwx------}. */
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private static final Set<PosixFilePermission> SHARED = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private OwnerOnlyFiles() {}

    /**
     * Makes {@code dir} a directory only its owner can enter: created 0700 if missing (its parents with the
     * default mode), narrowed to 0700 if it exists with group or other access. Everything Slipway puts under it is
     * then out of other users' reach, whatever mode a library gives its own files.
     */
    public static Path directory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            if (posix() && !DIRECTORY.containsAll(Files.getPosixFilePermissions(dir))) {
                Files.setPosixFilePermissions(dir, DIRECTORY);
            }
            return dir;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            return posix() ? Files.createDirectory(dir, attribute(DIRECTORY)) : Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            return directory(dir);
        }
    }

    /** Creates a new, empty file with mode 0600; fails if it exists. */
    public static Path createFile(Path file) throws IOException {
        return posix() ? Files.createFile(file, attribute(FILE)) : Files.createFile(file);
    }

    /**
     * Replaces {@code file} with {@code content}: written to a 0600 temporary file next to it and moved over it,
     * so readers see the old or the new content and never a file with a wider mode.
     */
    public static void write(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = posix()
                ? Files.createTempFile(dir, "." + file.getFileName(), ".tmp", attribute(FILE))
                : Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Refuses a secret-bearing file that group or others may read or write, naming the file and the fix.
     *
     * @param what what the file holds, for the message ("API token", "secrets key")
     * @throws InvalidInputException when its mode gives anyone but the owner access
     */
    public static void requirePrivate(Path file, String what) throws IOException {
        if (!posix()) {
            return;
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (mode.stream().anyMatch(SHARED::contains)) {
            throw new InvalidInputException(new Problem(
                    file.toString(),
                    "the " + what + " file can be read or written by other users of this machine (mode "
                            + PosixFilePermissions.toString(mode) + ")",
                    "run `chmod 600 " + file + "`"));
        }
    }

    /** Whether this file system has POSIX permissions (not on Windows). */
    public static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> mode) {
        return PosixFilePermissions.asFileAttribute(mode);
    }
}
