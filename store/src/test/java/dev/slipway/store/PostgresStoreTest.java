package dev.slipway.store;

import org.junit.jupiter.api.AfterAll;

/** The store's behaviour on the real PostgreSQL, in a schema of its own that is dropped afterwards. */
class PostgresStoreTest extends StoreBehaviour {

    private static final StoreConfig SCHEMA = TestDatabases.postgresSchema();

    @Override
    StoreConfig sharedConfig() {
        return SCHEMA;
    }

    @AfterAll
    static void dropSchema() throws Exception {
        TestDatabases.dropSchema(SCHEMA);
    }
}
