package dev.slipway.store;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the control plane keeps its records; one value so the server, tests and benchmarks open stores the same way.
 *
 * @param jdbcUrl an H2 or PostgreSQL JDBC URL
 * @param credentials user and password, never taken from the command line
 * @param schema the schema to migrate and use; empty means the database's default
 * @param poolSize the most connections held open at once
 */
public record StoreConfig(String jdbcUrl, DatabaseCredentials credentials, Optional<String> schema, int poolSize) {

    public StoreConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(schema, "schema");
        if (!jdbcUrl.startsWith("jdbc:h2:") && !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("only H2 (jdbc:h2:) and PostgreSQL (jdbc:postgresql:) are supported");
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1");
        }
    }

    /**
     * An embedded H2 file database at {@code base} (H2 adds {@code .mv.db}); commits are flushed at once so a killed
     * server loses no acknowledged record.
     */
    public static StoreConfig h2File(Path base) {
        // The async file system survives thread interrupts; plain NIO channels close the database on one. H2's own
        // JVM shutdown hook would close the database while the server still records how it stops: it closes it.
        String url =
                "jdbc:h2:async:" + base.toAbsolutePath() + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE";
        return new StoreConfig(url, DatabaseCredentials.none(), Optional.empty(), 8);
    }

    /** A PostgreSQL database reached at {@code jdbcUrl}. */
    public static StoreConfig postgres(String jdbcUrl, DatabaseCredentials credentials) {
        return new StoreConfig(jdbcUrl, credentials, Optional.empty(), 8);
    }

    /** The same database, using (and creating if needed) {@code name} as schema. */
    public StoreConfig withSchema(String name) {
        return new StoreConfig(jdbcUrl, credentials, Optional.of(name), poolSize);
    }

    /** The same database with a pool of {@code size} connections. */
    public StoreConfig withPoolSize(int size) {
        return new StoreConfig(jdbcUrl, credentials, schema, size);
    }

    /**
     * The file an embedded H2 database lives in, without H2's {@code .mv.db} suffix: empty for PostgreSQL and for
     * in-memory or remote ({@code tcp:}, {@code ssl:}) H2 URLs.
     */
    public Optional<Path> h2FileBase() {
        if (!jdbcUrl.startsWith("jdbc:h2:")) {
            return Optional.empty();
        }
        String rest = jdbcUrl.substring("jdbc:h2:".length());
        int options = rest.indexOf(';');
        if (options >= 0) {
            rest = rest.substring(0, options);
        }
        if (rest.startsWith("mem:") || rest.startsWith("tcp:") || rest.startsWith("ssl:")) {
            return Optional.empty();
        }
        // File system prefixes H2 accepts before the path (async:, nio:, file:, split:...), possibly stacked.
        while (rest.matches("[a-zA-Z]{2,}:.*")) {
            rest = rest.substring(rest.indexOf(':') + 1);
        }
        return rest.isEmpty() || rest.startsWith("~") ? Optional.empty() : Optional.of(Path.of(rest));
    }

    /** Which SQL dialect the URL speaks. */
    public Dialect dialect() {
        return jdbcUrl.startsWith("jdbc:postgresql:") ? Dialect.POSTGRESQL : Dialect.H2;
    }
}
