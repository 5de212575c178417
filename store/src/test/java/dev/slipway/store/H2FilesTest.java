package dev.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded database holds token hashes and the audit log: only its owner may read it, from its first byte. */
class H2FilesTest {

    @TempDir
    Path tmp;

    @Test
    void aNewDatabaseLivesInAnOwnerOnlyDirectoryInOwnerOnlyFiles() throws Exception {
        Path state = tmp.resolve("home/.local/state/slipway");
        StoreConfig config = StoreConfig.h2File(state.resolve("store"));

        H2Files.prepare(config.h2FileBase().orElseThrow());
        assertThat(mode(state)).as("before H2 writes anything").isEqualTo("rwx------");
        assertThat(mode(state.resolve("store.mv.db"))).isEqualTo("rw-------");
        assertThat(Files.size(state.resolve("store.mv.db"))).isZero();

        String secret;
        try (Store store = Store.open(config, Clock.systemUTC())) {
            secret = store.tokens().issue("ci", Scope.DEPLOY, "test").secret();
            assertThat(modes(state)).as("while H2 has the database open").allMatch(m -> m.endsWith(" rw-------"));
        }
        assertThat(modes(state)).as("after H2 closed it").allMatch(m -> m.endsWith(" rw-------"));
        assertThat(Files.size(state.resolve("store.mv.db")))
                .as("H2 took the empty file as a new database")
                .isPositive();
        try (Store again = Store.open(config, Clock.systemUTC())) {
            assertThat(again.tokens().authenticate(secret)).isPresent();
        }
    }

    @Test
    void aDatabaseAnOlderSlipwayLeftReadableIsNarrowedWhenOpened() throws Exception {
        Path legacy = tmp.resolve(".slipway");
        StoreConfig config = StoreConfig.h2File(legacy.resolve("store"));
        String secret;
        try (Store store = Store.open(config, Clock.systemUTC())) {
            secret = store.tokens().issue("ci", Scope.DEPLOY, "test").secret();
        }
        Files.setPosixFilePermissions(legacy, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(legacy.resolve("store.mv.db"), PosixFilePermissions.fromString("rw-r--r--"));

        try (Store store = Store.open(config, Clock.systemUTC())) {
            assertThat(store.tokens().authenticate(secret))
                    .as("its records kept")
                    .isPresent();
        }

        assertThat(mode(legacy)).isEqualTo("rwx------");
        assertThat(mode(legacy.resolve("store.mv.db"))).isEqualTo("rw-------");
    }

    @Test
    void onlyEmbeddedFileUrlsNameADatabaseFile() {
        assertThat(StoreConfig.h2File(Path.of("/var/lib/slipway/store")).h2FileBase())
                .contains(Path.of("/var/lib/slipway/store"));
        assertThat(new StoreConfig(
                                "jdbc:h2:file:/srv/s;MODE=PostgreSQL",
                                DatabaseCredentials.none(),
                                java.util.Optional.empty(),
                                1)
                        .h2FileBase())
                .contains(Path.of("/srv/s"));
        assertThat(new StoreConfig("jdbc:h2:mem:x", DatabaseCredentials.none(), java.util.Optional.empty(), 1)
                        .h2FileBase())
                .isEmpty();
        assertThat(new StoreConfig("jdbc:h2:tcp://db/x", DatabaseCredentials.none(), java.util.Optional.empty(), 1)
                        .h2FileBase())
                .isEmpty();
        assertThat(StoreConfig.postgres("jdbc:postgresql://db/x", DatabaseCredentials.none())
                        .h2FileBase())
                .isEmpty();
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static List<String> modes(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all = files.toList();
            assertThat(all).isNotEmpty();
            return all.stream()
                    .map(f -> {
                        try {
                            return f.getFileName() + " " + mode(f);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .toList();
        }
    }
}
