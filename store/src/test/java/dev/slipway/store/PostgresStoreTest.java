package dev.slipway.store;

/** The store's behaviour on the real PostgreSQL, in a schema of its own that is dropped afterwards. */
class PostgresStoreTest extends StoreBehaviour {

    @Override
    StoreConfig newConfig() {
        return TestDatabases.postgresSchema();
    }

    @Override
    void afterClose() throws Exception {
        TestDatabases.dropSchema(config);
    }
}
