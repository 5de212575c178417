package dev.slipway.rollout.controller;

import static dev.slipway.rollout.controller.RolloutFixture.KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.router.Stage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A controller killed mid-rollout and a new one started on the same store: it resumes at the same step with
 * the same traffic split, and makes the tracks call still owed, on the file store and the in-memory one.
 */
class RolloutRestartTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> stores() {
        Function<String, RolloutStore> file = name -> new FileRolloutStore(dir.resolve(name));
        Function<String, RolloutStore> memory = name -> RolloutStore.inMemory();
        Function<String, RolloutStore> rows = name -> new JsonRolloutStore(new MapRows());
        return Stream.of(Arguments.of("file", file), Arguments.of("memory", memory), Arguments.of("json rows", rows));
    }

    /** Rows as the store module's {@code rollouts} table keeps them: text and a compare-and-set version. */
    static final class MapRows implements JsonRolloutStore.Rows {
        private final java.util.Map<String, JsonRolloutStore.Row> rows = new java.util.HashMap<>();

        @Override
        public synchronized java.util.Optional<JsonRolloutStore.Row> load(String app, String environment) {
            return java.util.Optional.ofNullable(rows.get(app + "/" + environment));
        }

        @Override
        public synchronized boolean save(String app, String environment, String state, long expectedVersion) {
            JsonRolloutStore.Row current = rows.get(app + "/" + environment);
            if ((current == null ? 0 : current.version()) != expectedVersion) {
                return false;
            }
            rows.put(app + "/" + environment, new JsonRolloutStore.Row(state, expectedVersion + 1));
            return true;
        }
    }

    /** A second controller (new fakes, as a new process would have) on the first one's store and time. */
    static RolloutFixture restarted(RolloutFixture before) {
        RolloutFixture after = new RolloutFixture(before.store);
        after.clock.setInstant(before.clock.instant());
        return after;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aRestartedControllerSetsTheStoredStageAgainAndResumesAtTheSameStep(
            String kind, Function<String, RolloutStore> stores) {
        RolloutFixture before = new RolloutFixture(stores.apply(kind + "-resume"));
        before.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        before.healthyUntil(s -> s.cluster("east").orElseThrow().step() == 1, 20);
        before.healthy();
        Instant entered = before.cluster("east").stepEnteredAt().orElseThrow();

        RolloutFixture after = restarted(before);
        after.healthy();

        // Exactly the stored split, once per cluster: no flap to off or full on the way.
        assertThat(after.traffic.of("east")).containsExactly("percent 10");
        assertThat(after.traffic.of("west")).containsExactly("off");
        ClusterRollout east = after.cluster("east");
        assertThat(east.step()).isEqualTo(1);
        assertThat(east.stepEnteredAt()).contains(entered);
        assertThat(east.status()).isEqualTo(ClusterStatus.RUNNING);

        assertThat(after.healthyUntil(RolloutState::promoted, 100).promoted()).isTrue();
        assertThat(after.traffic.of("east")).containsExactly("percent 10", "full", "off");
        // The hold counted from when the step was entered before the restart.
        assertThat(after.traffic.when("east", "full")).isAfterOrEqualTo(entered.plus(java.time.Duration.ofMinutes(2)));
        assertThat(before.tracks.calls).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aControllerKilledDuringPromotionMakesTheOwedCallAndNoOther(
            String kind, Function<String, RolloutStore> stores) {
        RolloutFixture before = new RolloutFixture(stores.apply(kind + "-promote"));
        before.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        before.tracks.failNext("removeCanary", 1000);
        before.healthyUntil(s -> s.cluster("east").orElseThrow().work() == Work.REMOVE_CANARY, 50);
        assertThat(before.tracks.calls).containsExactly("promoteStable east [full]");

        RolloutFixture after = restarted(before);
        RolloutState s = after.controller.tick(KEY);

        assertThat(after.traffic.of("east")).containsExactly("off");
        assertThat(after.tracks.calls).startsWith("removeCanary east [off]");
        assertThat(after.tracks.calls).noneMatch(c -> c.startsWith("promoteStable east"));
        assertThat(s.cluster("east").orElseThrow().status()).isEqualTo(ClusterStatus.PROMOTED);
        // West's turn came right after.
        assertThat(s.cluster("west").orElseThrow().status()).isEqualTo(ClusterStatus.RUNNING);
        assertThat(after.traffic.stages.get("west")).isEqualTo(Stage.requestsPerSecond(100));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anAbortStoredButNotFinishedRemovesTheCanaryAfterTheRestart(
            String kind, Function<String, RolloutStore> stores) {
        RolloutFixture before = new RolloutFixture(stores.apply(kind + "-abort"));
        before.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        before.tracks.failNext("abort", 1000);
        before.controller.abort(KEY, "erin", "bad build");
        assertThat(before.cluster("east").work()).isEqualTo(Work.ABORT_CANARY);

        RolloutFixture after = restarted(before);
        after.controller.tick(KEY);
        assertThat(after.traffic.of("east")).containsExactly("off");
        assertThat(after.tracks.calls).containsExactly("abort east [off]");
        assertThat(after.cluster("east").work()).isEqualTo(Work.NONE);
        assertThat(after.cluster("east").reason()).isEqualTo("aborted by erin: bad build");
    }
}
