package dev.slipway.router;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

/**
 * The bearer token the admin API requires, read from a private file (never from argv or the environment,
 * where other local users and child processes can read it). Only its SHA-256 is kept, so neither a log line
 * nor a heap dump of the config shows the token.
 */
public final class AdminToken {
    private final Path file;
    private final byte[] sha256;

    private AdminToken(Path file, byte[] sha256) {
        this.file = file;
        this.sha256 = sha256;
    }

    /**
     * Reads the token: the file's first line, trimmed. Refuses a file that group or others can read.
     *
     * @throws InvalidInputException when the file is missing, empty or not private
     */
    public static AdminToken read(Path file) {
        PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        String text;
        try {
            if (posix != null) {
                Set<PosixFilePermission> modes = posix.readAttributes().permissions();
                if (modes.contains(PosixFilePermission.GROUP_READ)
                        || modes.contains(PosixFilePermission.OTHERS_READ)
                        || modes.contains(PosixFilePermission.GROUP_WRITE)
                        || modes.contains(PosixFilePermission.OTHERS_WRITE)) {
                    throw new InvalidInputException(new Problem(
                            file.toString(),
                            "the admin token file can be read or written by other users",
                            "run: chmod 600 " + file));
                }
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(new Problem(
                    file.toString(),
                    "the admin token file does not exist",
                    "write a long random token to it, e.g. (umask 077; openssl rand -hex 32 > " + file + ")"));
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    file.toString(), "cannot read the admin token file: " + e.getMessage(), "check its owner"));
        }
        String token = text.lines().findFirst().orElse("").trim();
        if (token.length() < 16) {
            throw new InvalidInputException(new Problem(
                    file.toString(),
                    "the admin token must be at least 16 characters on the file's first line",
                    "e.g. (umask 077; openssl rand -hex 32 > " + file + ")"));
        }
        return new AdminToken(file, hash(token));
    }

    /** Whether {@code presented} is the token, compared in constant time. */
    boolean matches(String presented) {
        return MessageDigest.isEqual(sha256, hash(presented));
    }

    Path file() {
        return file;
    }

    private static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "AdminToken[from " + file + "]";
    }
}
