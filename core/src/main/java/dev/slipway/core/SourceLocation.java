package dev.slipway.core;

import java.nio.file.Path;

/**
 * Where a user-written value came from, so every error can point at {@code file:line}.
 *
 * @param file the file, as the user named it (relative to the app directory where possible)
 * @param line 1-based line, or 0 when unknown
 */
public record SourceLocation(Path file, int line) {

    public static SourceLocation of(Path file) {
        return new SourceLocation(file, 0);
    }

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line : String.valueOf(file);
    }
}
