package dev.slipway.rollout.controller;

import static dev.slipway.rollout.controller.RolloutFixture.KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.router.Stage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

class RolloutRunnerTest {

    /** Tasks run by hand when the test's clock reaches them. */
    static final class ManualScheduler implements RolloutRunner.Scheduler {
        record Task(Instant due, Runnable run, boolean[] cancelled) {}

        final MutableClock clock;
        final List<Task> tasks = new ArrayList<>();

        ManualScheduler(MutableClock clock) {
            this.clock = clock;
        }

        @Override
        public Runnable schedule(Runnable task, Duration delay) {
            boolean[] cancelled = {false};
            tasks.add(new Task(clock.instant().plus(delay), task, cancelled));
            return () -> cancelled[0] = true;
        }

        /** Runs every task due by now, in order (tasks they schedule for now too). */
        void runDue() {
            while (true) {
                Task next = tasks.stream()
                        .filter(t -> !t.due().isAfter(clock.instant()))
                        .min(Comparator.comparing(Task::due))
                        .orElse(null);
                if (next == null) {
                    return;
                }
                tasks.remove(next);
                if (!next.cancelled()[0]) {
                    next.run().run();
                }
            }
        }

        long pending() {
            return tasks.stream().filter(t -> !t.cancelled()[0]).count();
        }
    }

    final RolloutFixture f = new RolloutFixture();
    final ManualScheduler scheduler = new ManualScheduler(f.clock);
    final RolloutRunner runner = new RolloutRunner(f.controller, scheduler);

    void healthyTraffic() {
        for (Map.Entry<String, Stage> e : f.traffic.stages.entrySet()) {
            if (!(e.getValue() instanceof Stage.Off)) {
                f.stats.canary(e.getKey(), 200, 0, Duration.ofMillis(50));
            }
            f.stats.stable(e.getKey(), 1000, 0, Duration.ofMillis(50));
        }
    }

    @Test
    void aFollowedRolloutIsTickedEveryIntervalUntilItSettles() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        runner.follow(KEY);
        runner.follow(KEY);
        assertThat(scheduler.pending()).isEqualTo(1);
        scheduler.runDue();
        for (int i = 0; i < 100 && !runner.following().isEmpty(); i++) {
            healthyTraffic();
            f.clock.add(Duration.ofSeconds(5));
            scheduler.runDue();
        }
        assertThat(f.state().promoted()).isTrue();
        assertThat(runner.following()).isEmpty();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void aRolloutThatDoesNotExistIsDroppedAndCloseCancelsEveryTick() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        runner.follow(KEY);
        scheduler.runDue();
        assertThat(runner.following()).containsExactly(KEY);

        RolloutKey other = new RolloutKey("predict", "production");
        runner.follow(other);
        scheduler.runDue();
        assertThat(runner.following()).containsExactly(KEY);

        runner.close();
        assertThat(runner.following()).isEmpty();
        assertThat(scheduler.pending()).isZero();
    }
}
