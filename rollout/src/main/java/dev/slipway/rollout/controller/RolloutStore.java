package dev.slipway.rollout.controller;

import java.util.Optional;

/**
 * Where rollout state lives between ticks and across restarts: the server's database
 * ({@link JsonRolloutStore} over the store module's {@code rollouts} table) or files under the state
 * directory ({@link FileRolloutStore}, for {@code slipway rollout run}). Saves compare and set on a version,
 * so two controllers can never both move one rollout.
 */
public interface RolloutStore {

    Optional<StoredRollout> load(RolloutKey key);

    /**
     * Stores {@code state} if the stored version is {@code expectedVersion} (0: nothing stored yet).
     *
     * @return the new version
     * @throws StaleRolloutException when someone else saved in between
     */
    long save(RolloutState state, long expectedVersion);

    /** A store in memory, for tests and for a local run that needs no resume. */
    static RolloutStore inMemory() {
        return new InMemoryRolloutStore();
    }

    /** A state and the version it was stored under. */
    record StoredRollout(RolloutState state, long version) {}
}
