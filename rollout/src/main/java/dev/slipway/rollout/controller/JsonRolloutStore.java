package dev.slipway.rollout.controller;

import java.util.Optional;

/**
 * A {@link RolloutStore} on rows of JSON text with a version: the shape of the store module's
 * {@code rollouts} table ({@code dev.slipway.store.Rollouts}), which knows nothing of rollouts, so the server
 * wires the two with method references and neither module depends on the other.
 */
public final class JsonRolloutStore implements RolloutStore {

    /** Rows of state text by app and environment, saved with compare-and-set on the version. */
    public interface Rows {
        /** The row's state text and version, if there is one. */
        Optional<Row> load(String app, String environment);

        /**
         * Inserts ({@code expectedVersion} 0) or updates the row if its version is {@code expectedVersion}.
         *
         * @return whether it was saved (false: another version is stored)
         */
        boolean save(String app, String environment, String state, long expectedVersion);
    }

    /** One stored row. */
    public record Row(String state, long version) {}

    private final Rows rows;

    public JsonRolloutStore(Rows rows) {
        this.rows = rows;
    }

    @Override
    public Optional<StoredRollout> load(RolloutKey key) {
        return rows.load(key.app(), key.environment())
                .map(r -> new StoredRollout(RolloutStateJson.read(r.state()), r.version()));
    }

    @Override
    public long save(RolloutState state, long expectedVersion) {
        RolloutKey key = state.key();
        if (!rows.save(key.app(), key.environment(), RolloutStateJson.write(state), expectedVersion)) {
            long found =
                    rows.load(key.app(), key.environment()).map(Row::version).orElse(0L);
            throw new StaleRolloutException(key, expectedVersion, found);
        }
        return expectedVersion + 1;
    }
}
