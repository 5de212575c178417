package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.core.Problem;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where {@code slipway login} keeps tokens when there is no keyring: one 0600 file per server URL under
 * {@code ~/.config/slipway/tokens/}, so a login to one server never replaces another's token. Older versions kept
 * a single {@code ~/.config/slipway/token} for every server; it is still read, for a server without a file of its
 * own, until a login moves its token to the server's file.
 */
final class TokenFiles {
    private TokenFiles() {}

    /** The key a server's token is kept under (file name, keyring attribute): its URL without a trailing slash. */
    static String key(String server) {
        return server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    }

    /** The directory of the per-server token files: {@code tokens/} in Slipway's config directory. */
    static Path directory(CliContext context) {
        return CliConfig.directory(context).resolve("tokens");
    }

    /**
     * The token file of {@code server}: its key percent-encoded into one file name, e.g.
     * {@code tokens/https%3A%2F%2Fslipway.internal%3A7420}.
     */
    static Path forServer(CliContext context, String server) {
        return directory(context).resolve(URLEncoder.encode(key(server), StandardCharsets.UTF_8));
    }

    /** The single token file of older versions, read for servers without a file of their own. */
    static Path legacy(CliContext context) {
        return CliConfig.directory(context).resolve("token");
    }

    /**
     * Writes the token readable by its owner only, from the first byte (a 0600 temporary file moved over the old
     * one), in a directory only the owner can enter when it is the per-server directory.
     */
    static void write(CliContext context, Path file, String secret) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent.equals(directory(context).toAbsolutePath())) {
                OwnerOnlyFiles.directory(parent);
            }
            OwnerOnlyFiles.write(file, (secret + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    file.toString(),
                    "cannot write the token file: " + e.getMessage(),
                    "check the directory's permissions, or name another file with --token-file"));
        }
    }

    /**
     * Removes the old single token file when it holds {@code secret}, which now has a home of its own (the server's
     * file or keyring entry); a file holding another server's token is left for that server.
     *
     * @return whether it was removed
     */
    static boolean retireLegacy(CliContext context, String secret) {
        Path legacy = legacy(context);
        try {
            if (Files.isRegularFile(legacy)
                    && Files.readString(legacy, StandardCharsets.UTF_8).strip().equals(secret)) {
                Files.delete(legacy);
                return true;
            }
            return false;
        } catch (IOException e) {
            // Keeping the old file only means it stays readable as before; the login itself succeeded.
            return false;
        }
    }
}
