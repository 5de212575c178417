package dev.slipway.server;

import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.store.IssuedToken;
import dev.slipway.store.RequestSource;
import dev.slipway.store.Scope;
import dev.slipway.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The bootstrap credential: on a store with no token at all, one admin token is issued and its secret written once
 * to a file only the server's user can read; it is never written again, nor logged.
 */
final class FirstAdminToken {

    static final String FILE_NAME = "admin-token";

    private FirstAdminToken() {}

    /** Issues and writes the token if the store has none; returns the file written, if one was. */
    static Optional<Path> ensure(Store store, Path stateDir) {
        if (store.tokens().count() > 0) {
            return Optional.empty();
        }
        Path file = stateDir.resolve(FILE_NAME);
        try {
            OwnerOnlyFiles.directory(stateDir);
            // 0600 from the system call that creates it: the token is written into a file no one else can open.
            OwnerOnlyFiles.createFile(file);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException(
                    file + " exists but the store has no token: it belongs to another store;"
                            + " move it away and start again",
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        IssuedToken token = store.tokens().issue("admin", Scope.ADMIN, "server");
        try {
            Files.writeString(file, token.secret() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store.auditLog()
                .record(
                        "server",
                        "token.issue",
                        "token/" + token.token().id(),
                        RequestSource.SERVER,
                        "first admin token written to " + file);
        return Optional.of(file);
    }
}
