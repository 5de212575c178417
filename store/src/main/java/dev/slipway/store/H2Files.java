package dev.slipway.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * Readies the files of an embedded H2 database so that no other local user can read them at any moment: the
 * audit log and token hashes live there.
 *
 * <p>H2 creates its files with the process umask (usually 0644) and offers no mode setting. So the directory is
 * made 0700 before H2 runs (nothing in it is reachable by others, whatever mode H2 gives a file later, including
 * its temporary files), and the database file and trace file are created empty with 0600 first: H2 opens an
 * existing empty {@code .mv.db} as a new database and appends to an existing trace file, keeping their mode. An
 * existing database file with a wider mode (written by an older Slipway) is narrowed to 0600.
 */
final class H2Files {

    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final List<String> SUFFIXES = List.of(".mv.db", ".trace.db");

    private H2Files() {}

    static void prepare(Path base) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Path dir = base.toAbsolutePath().getParent();
        try {
            if (Files.isDirectory(dir)) {
                if (!DIRECTORY.containsAll(Files.getPosixFilePermissions(dir))) {
                    Files.setPosixFilePermissions(dir, DIRECTORY);
                }
            } else {
                Files.createDirectories(dir.getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
                } catch (FileAlreadyExistsException raced) {
                    Files.setPosixFilePermissions(dir, DIRECTORY);
                }
            }
            for (String suffix : SUFFIXES) {
                Path file = base.resolveSibling(base.getFileName() + suffix);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
                } catch (FileAlreadyExistsException exists) {
                    if (!FILE.containsAll(Files.getPosixFilePermissions(file))) {
                        Files.setPosixFilePermissions(file, FILE);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the database directory " + dir, e);
        }
    }
}
