package dev.slipway.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store's behaviour on the embedded H2 file database (the default). */
class H2StoreTest extends StoreBehaviour {

    @TempDir
    static Path dir;

    @Override
    StoreConfig sharedConfig() {
        return TestDatabases.h2(dir);
    }
}
