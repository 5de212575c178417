package dev.slipway.store;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Database user and password, read from a file or the service manager's {@code PG*} environment so they never
 * appear in a process listing.
 */
public record DatabaseCredentials(Optional<String> user, Optional<String> password) {

    /** No credentials: H2, or PostgreSQL with trust authentication as the OS user. */
    public static DatabaseCredentials none() {
        return new DatabaseCredentials(Optional.empty(), Optional.empty());
    }

    /** The libpq variables {@code PGUSER} and {@code PGPASSWORD}, as set by a systemd unit or similar. */
    public static DatabaseCredentials fromEnvironment(Map<String, String> env) {
        return new DatabaseCredentials(nonBlank(env.get("PGUSER")), nonBlank(env.get("PGPASSWORD")));
    }

    /**
     * A properties file with {@code user=} and {@code password=} lines, which should be readable by the server's
     * account only.
     */
    public static DatabaseCredentials fromFile(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return new DatabaseCredentials(
                nonBlank(properties.getProperty("user")), nonBlank(properties.getProperty("password")));
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    @Override
    public String toString() {
        return "DatabaseCredentials[user=" + user.orElse("(default)") + ", password="
                + (password.isPresent() ? "(set)" : "(none)") + "]";
    }
}
