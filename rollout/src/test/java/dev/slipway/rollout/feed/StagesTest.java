package dev.slipway.rollout.feed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.router.Stage;
import org.junit.jupiter.api.Test;

class StagesTest {
    @Test
    void theMostSpecificEntryWins() {
        Stages s = Stages.none()
                .with(Stages.ALL_SERVICES, Stages.ALL_CLUSTERS, Stage.optIn())
                .with(Stages.ALL_SERVICES, "east-1", Stage.percent(10))
                .with("web", Stage.requestsPerSecond(5))
                .with("web", "west-1", Stage.full());
        assertThat(s.stage("web", "west-1")).isEqualTo(Stage.full());
        assertThat(s.stage("web", "east-1")).isEqualTo(Stage.requestsPerSecond(5));
        assertThat(s.stage("api", "east-1")).isEqualTo(Stage.percent(10));
        assertThat(s.stage("api", "north-1")).isEqualTo(Stage.optIn());
        assertThat(Stages.none().stage("web", "east-1")).isEqualTo(Stage.off());
    }

    @Test
    void settingAServiceForAllClustersDropsItsPerClusterStages() {
        Stages s = Stages.none().with("web", "east-1", Stage.full()).with("web", Stage.percent(5));
        assertThat(s.stage("web", "east-1")).isEqualTo(Stage.percent(5));
    }
}
