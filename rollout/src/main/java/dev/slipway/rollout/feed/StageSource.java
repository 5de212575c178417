package dev.slipway.rollout.feed;

import dev.slipway.router.SourceStatus;
import java.util.function.Consumer;

/**
 * Where a fed router takes its migration stages from: per routable service and cluster, the stage of the
 * canary. Implementations: {@link FixedStageSource} (stages set in code: off by default, tests, the CLI today),
 * the rollout controller's (it decides the stages), and one that follows a server's rollout state through its
 * API (a watch or long poll), so several routers in front of one group show the same stage.
 *
 * <p>A source that loses its own upstream keeps answering {@link #current()} with the last stages it knew and
 * says so in {@link #status()}; the router then serves those and reports the source as stale.
 */
public interface StageSource extends AutoCloseable {
    /** The stages in force now (the last known ones while {@link #status()} is stale). */
    Stages current();

    /**
     * Calls {@code listener} after every change of {@link #current()} or {@link #status()}, from any thread,
     * with the new stages. Changes made before subscribing are not replayed: read {@link #current()} after.
     */
    void subscribe(Consumer<Stages> listener);

    /** Whether the stages are up to date; fresh by default. */
    default SourceStatus status() {
        return SourceStatus.fresh();
    }

    /** Stops following the upstream, if any. */
    @Override
    default void close() {}
}
