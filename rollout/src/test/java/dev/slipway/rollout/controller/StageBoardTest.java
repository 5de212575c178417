package dev.slipway.rollout.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.router.Stage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class StageBoardTest {
    static final RolloutKey WEB = new RolloutKey("shop", "production");
    static final RolloutKey OTHER = new RolloutKey("shop", "staging");

    @Test
    void everyChangeRaisesTheVersionAndTheSameStageAgainDoesNot() {
        StageBoard board = new StageBoard(Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC));
        assertThat(board.current(WEB)).isEqualTo(StageBoard.Snapshot.none());

        board.setStage(WEB, "east", Stage.requestsPerSecond(100));
        long first = board.current(WEB).version();
        assertThat(first).isGreaterThan(Instant.parse("2026-12-03T10:00:00Z").toEpochMilli() * 1000);
        board.setStage(WEB, "east", Stage.requestsPerSecond(100));
        assertThat(board.current(WEB).version()).isEqualTo(first);

        board.setStage(WEB, "west", Stage.off());
        board.setStage(WEB, "east", Stage.percent(10));
        assertThat(board.current(WEB).version()).isEqualTo(first + 2);
        assertThat(board.current(WEB).stages())
                .containsExactly(
                        java.util.Map.entry("east", Stage.percent(10)), java.util.Map.entry("west", Stage.off()));
        assertThat(board.current(OTHER).version()).isZero();
    }

    @Test
    void aRestartedBoardAnswersGreaterVersionsThanTheOneBefore() {
        StageBoard before = new StageBoard(Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC));
        for (int i = 0; i < 50; i++) {
            before.setStage(WEB, "east", Stage.percent(i));
        }
        StageBoard after = new StageBoard(Clock.fixed(Instant.parse("2026-12-03T10:00:01Z"), ZoneOffset.UTC));
        after.setStage(WEB, "east", Stage.percent(3));
        assertThat(after.current(WEB).version())
                .isGreaterThan(before.current(WEB).version());
    }

    @Test
    void aWaitAnswersAtOnceForAnOldVersionAndWaitsForANewOne() throws Exception {
        StageBoard board = new StageBoard(Clock.systemUTC());
        board.setStage(WEB, "east", Stage.optIn());
        long seen = board.current(WEB).version();

        assertThat(board.await(WEB, seen - 1, Duration.ofSeconds(30)).stages()).containsEntry("east", Stage.optIn());

        CompletableFuture<StageBoard.Snapshot> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return board.await(WEB, seen, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        board.setStage(OTHER, "east", Stage.full());
        assertThat(waiting).isNotDone();
        board.setStage(WEB, "east", Stage.requestsPerSecond(5));
        await().atMost(Duration.ofSeconds(5)).until(waiting::isDone);
        assertThat(waiting.get().version()).isEqualTo(seen + 2);
        assertThat(waiting.get().stages()).containsEntry("east", Stage.requestsPerSecond(5));
    }

    @Test
    void aWaitThatRunsOutAnswersWhatThereIsAndCloseEndsWaits() throws Exception {
        StageBoard board = new StageBoard(Clock.systemUTC());
        assertThat(board.await(WEB, 0, Duration.ofMillis(20))).isEqualTo(StageBoard.Snapshot.none());

        CompletableFuture<StageBoard.Snapshot> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return board.await(WEB, 0, Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        board.close();
        await().atMost(Duration.ofSeconds(5)).until(waiting::isDone);
        assertThat(waiting.get().version()).isZero();
    }
}
