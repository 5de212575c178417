package dev.slipway.rollout.controller;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** {@link RolloutStore#inMemory()}. */
final class InMemoryRolloutStore implements RolloutStore {
    private final Map<RolloutKey, StoredRollout> rollouts = new HashMap<>();

    @Override
    public synchronized Optional<StoredRollout> load(RolloutKey key) {
        return Optional.ofNullable(rollouts.get(key));
    }

    @Override
    public synchronized long save(RolloutState state, long expectedVersion) {
        StoredRollout current = rollouts.get(state.key());
        long found = current == null ? 0 : current.version();
        if (found != expectedVersion) {
            throw new StaleRolloutException(state.key(), expectedVersion, found);
        }
        rollouts.put(state.key(), new StoredRollout(state, found + 1));
        return found + 1;
    }
}
