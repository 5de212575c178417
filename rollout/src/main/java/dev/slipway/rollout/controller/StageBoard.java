package dev.slipway.rollout.controller;

import dev.slipway.router.Stage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The controller's {@link Traffic} as a board others read: per rollout and cluster the canary's current stage,
 * with a version that grows on every change, and a bounded wait for a version greater than one already seen.
 * What {@code slipway server} serves to the routers in front of a group (they long-poll it), so several
 * routers show the same stage.
 *
 * <p>Versions start at the board's creation time in microseconds since the epoch and grow by one per change,
 * so a board of a restarted server answers versions greater than any a reader saw from the one before (as
 * long as the clock does not go back); a rollout the board has no stage for is at version 0.
 */
public final class StageBoard implements Traffic, AutoCloseable {

    /** One rollout's stages at a version: cluster → stage, in the order they were first set. */
    public record Snapshot(long version, Map<String, Stage> stages) {
        public Snapshot {
            stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
        }

        /** No stage known: version 0, nothing in it. */
        public static Snapshot none() {
            return new Snapshot(0, Map.of());
        }
    }

    private final Map<RolloutKey, Snapshot> boards = new HashMap<>();
    private long counter;
    private boolean closed;

    /** A board whose versions start at {@code clock}'s now in microseconds. */
    public StageBoard(Clock clock) {
        Instant now = clock.instant();
        this.counter = ChronoUnit.MICROS.between(Instant.EPOCH, now);
    }

    /** Sets the stage; setting the stage a cluster already has changes nothing (not even the version). */
    @Override
    public synchronized void setStage(RolloutKey key, String cluster, Stage stage) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(stage, "stage");
        Snapshot current = boards.getOrDefault(key, Snapshot.none());
        if (stage.equals(current.stages().get(cluster))) {
            return;
        }
        Map<String, Stage> next = new LinkedHashMap<>(current.stages());
        next.put(cluster, stage);
        counter++;
        boards.put(key, new Snapshot(counter, next));
        notifyAll();
    }

    /** The rollout's stages now ({@link Snapshot#none()} when the board has none). */
    public synchronized Snapshot current(RolloutKey key) {
        return boards.getOrDefault(key, Snapshot.none());
    }

    /** Forgets a rollout's stages (version 0 again), e.g. when its app is removed. */
    public synchronized void forget(RolloutKey key) {
        if (boards.remove(key) != null) {
            notifyAll();
        }
    }

    /**
     * Waits up to {@code atMost} for the rollout's version to be greater than {@code after}, then answers its
     * stages then (also when the wait ran out). Answers at once when the version already is greater.
     *
     * @throws InterruptedException when the waiting thread is interrupted (e.g. the server stops)
     */
    public synchronized Snapshot await(RolloutKey key, long after, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, atMost.toNanos());
        while (true) {
            Snapshot now = boards.getOrDefault(key, Snapshot.none());
            long left = deadline - System.nanoTime();
            if (now.version() > after || left <= 0 || closed) {
                return now;
            }
            long millis = Math.max(1, left / 1_000_000);
            wait(millis);
        }
    }

    /** Ends every wait at once, now and from now on: a stopping server answers its long polls with what it has. */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
