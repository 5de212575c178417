package dev.slipway.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/** The two databases every store test runs against: an H2 file and the PostgreSQL at 127.0.0.1:5432. */
final class TestDatabases {

    static final String POSTGRES_URL =
            System.getenv().getOrDefault("SLIPWAY_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");

    private TestDatabases() {}

    static StoreConfig h2(Path dir) {
        return StoreConfig.h2File(dir.resolve("store"));
    }

    /** A fresh schema for this test run, so runs never see each other's rows. */
    static StoreConfig postgresSchema() {
        String schema =
                "slipway_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return StoreConfig.postgres(POSTGRES_URL, credentials()).withSchema(schema);
    }

    static DatabaseCredentials credentials() {
        DatabaseCredentials env = DatabaseCredentials.fromEnvironment(System.getenv());
        return env.user().isPresent() ? env : DatabaseCredentials.fromEnvironment(Map.of("PGUSER", "postgres"));
    }

    static void dropSchema(StoreConfig config) throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        config.jdbcUrl(),
                        config.credentials().user().orElse(null),
                        config.credentials().password().orElse(null));
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + config.schema().orElseThrow() + " CASCADE");
        }
    }
}
