package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.rollout.RolloutStep;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A rollout step of slipway.yaml names the router stage it sets: the two models stay in agreement. */
class RolloutStepStageTest {
    @Test
    void everyKindOfStepIsARouterStage() {
        Duration d = Duration.ofMinutes(10);

        assertThat(Stage.parse(new RolloutStep.OptIn().stage())).contains(Stage.optIn());
        assertThat(Stage.parse(new RolloutStep.Rps(100, d).stage())).contains(Stage.requestsPerSecond(100));
        assertThat(Stage.parse(new RolloutStep.Rps(RolloutStep.MAX_RPS, d).stage()))
                .contains(Stage.requestsPerSecond(RolloutStep.MAX_RPS));
        assertThat(Stage.parse(new RolloutStep.Percent(1, d).stage())).contains(Stage.percent(1));
        assertThat(Stage.parse(new RolloutStep.Percent(99, d).stage())).contains(Stage.percent(99));
        assertThat(Stage.parse(new RolloutStep.Full().stage())).contains(Stage.full());
    }
}
