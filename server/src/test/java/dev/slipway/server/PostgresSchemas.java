package dev.slipway.server;

import dev.slipway.store.DatabaseCredentials;
import dev.slipway.store.StoreConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/** A throwaway schema on the PostgreSQL at 127.0.0.1:5432 (trust auth, database test). */
final class PostgresSchemas {

    static final String URL =
            System.getenv().getOrDefault("SLIPWAY_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");

    private PostgresSchemas() {}

    static StoreConfig fresh() {
        DatabaseCredentials env = DatabaseCredentials.fromEnvironment(System.getenv());
        DatabaseCredentials credentials =
                env.user().isPresent() ? env : DatabaseCredentials.fromEnvironment(Map.of("PGUSER", "postgres"));
        String schema =
                "slipway_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return StoreConfig.postgres(URL, credentials).withSchema(schema);
    }

    /** Creates the schema now, for a server given only a JDBC URL naming it with {@code currentSchema}. */
    static void create(StoreConfig config) throws SQLException {
        execute(config, "CREATE SCHEMA IF NOT EXISTS " + config.schema().orElseThrow());
    }

    static void drop(StoreConfig config) throws SQLException {
        execute(config, "DROP SCHEMA IF EXISTS " + config.schema().orElseThrow() + " CASCADE");
    }

    private static void execute(StoreConfig config, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        config.jdbcUrl(),
                        config.credentials().user().orElse(null),
                        config.credentials().password().orElse(null));
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
