package dev.slipway.rollout.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.rollout.ClusterOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRolloutStoreTest {
    @TempDir
    Path dir;

    RolloutState state() {
        RolloutFixture f = new RolloutFixture();
        return f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
    }

    @Test
    void stateIsKeptInAnOwnerOnlyFilePerRolloutAndReadBackAsSaved() throws Exception {
        FileRolloutStore store = new FileRolloutStore(dir.resolve("rollouts"));
        assertThat(store.load(RolloutFixture.KEY)).isEmpty();
        RolloutState s = state();
        assertThat(store.save(s, 0)).isEqualTo(1);
        assertThat(store.save(s, 1)).isEqualTo(2);

        assertThat(store.load(RolloutFixture.KEY)).contains(new RolloutStore.StoredRollout(s, 2));
        Path file = dir.resolve("rollouts/acme-web/production.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("rollouts"))))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void aSaveOnAStaleVersionIsRefused() {
        FileRolloutStore store = new FileRolloutStore(dir);
        RolloutState s = state();
        store.save(s, 0);
        assertThatThrownBy(() -> store.save(s, 0))
                .isInstanceOf(StaleRolloutException.class)
                .hasMessageContaining("expected version 0, found 1");
        assertThatThrownBy(() -> new FileRolloutStore(dir).save(s, 5)).isInstanceOf(StaleRolloutException.class);
    }

    @Test
    void twoStoresOnOneDirectoryInOneProcessSaveInTurnInsteadOfFailingOnTheFileLock() throws Exception {
        // as a deploy following its rollout while `rollout resume` runs in the same JVM (tests): each saver waits
        RolloutState s = state();
        new FileRolloutStore(dir).save(s, 0);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> savers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            FileRolloutStore own = new FileRolloutStore(dir);
            savers.add(new Thread(() -> {
                for (int i = 0; i < 25; i++) {
                    while (true) {
                        try {
                            long version =
                                    own.load(RolloutFixture.KEY).orElseThrow().version();
                            own.save(s, version);
                            break;
                        } catch (StaleRolloutException raced) {
                            // another saver got in first: try on its version
                        } catch (RuntimeException e) {
                            failures.add(e);
                            return;
                        }
                    }
                }
            }));
        }
        savers.forEach(Thread::start);
        for (Thread t : savers) {
            t.join();
        }

        assertThat(failures).isEmpty();
        assertThat(new FileRolloutStore(dir)
                        .load(RolloutFixture.KEY)
                        .orElseThrow()
                        .version())
                .isEqualTo(101);
    }

    @Test
    void namesThatAreNotDnsLabelsNeverBecomePaths() {
        FileRolloutStore store = new FileRolloutStore(dir);
        assertThatThrownBy(() -> store.load(new RolloutKey("..", "production")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.load(new RolloutKey("web", "a/b"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDamagedFileIsReportedNotTakenForNoRollout() throws Exception {
        FileRolloutStore store = new FileRolloutStore(dir);
        Files.createDirectories(dir.resolve("acme-web"));
        Files.writeString(dir.resolve("acme-web/production.json"), "{\"version\": 3}");
        assertThatThrownBy(() -> store.load(RolloutFixture.KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("production.json is not a rollout state file");
    }
}
