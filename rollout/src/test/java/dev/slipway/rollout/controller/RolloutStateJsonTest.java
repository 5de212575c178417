package dev.slipway.rollout.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.SourceLocation;
import dev.slipway.core.rollout.Analysis;
import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.rollout.RolloutStep;
import dev.slipway.router.Stage;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RolloutStateJsonTest {

    @Test
    void everyFieldSurvivesTheRoundTrip() {
        RolloutSpec spec = new RolloutSpec(
                List.of(
                        new RolloutStep.OptIn(),
                        new RolloutStep.Rps(50, Duration.ofMinutes(5)),
                        new RolloutStep.Percent(25, Duration.ofMinutes(30)),
                        new RolloutStep.Full()),
                new Analysis(
                        Duration.ofSeconds(30), 20, new BigDecimal("0.005"), Optional.empty(), new BigDecimal("2")),
                ClusterOrder.TOGETHER,
                new SourceLocation(Path.of("apps/web/slipway.yaml"), 12));
        Instant t = Instant.parse("2026-12-03T09:10:11.123Z");
        Check check = new Check(
                t,
                Duration.ofSeconds(30),
                1234,
                5,
                Duration.ofMillis(312),
                9000,
                7,
                Duration.ofMillis(250),
                Verdict.PASS,
                "within limits");
        RolloutState s = new RolloutState(
                new RolloutKey("acme-web", "production"),
                "r12",
                spec,
                t,
                "alice",
                List.of(
                        new ClusterRollout(
                                "east",
                                ClusterStatus.PAUSED,
                                2,
                                Optional.of(t),
                                Stage.percent(25),
                                Optional.of(PauseCause.CLUSTER_DOWN),
                                Work.NONE,
                                Optional.of(check),
                                "paused: cluster west is unhealthy",
                                Optional.empty()),
                        new ClusterRollout(
                                "west",
                                ClusterStatus.PAUSED,
                                2,
                                Optional.of(t),
                                Stage.off(),
                                Optional.of(PauseCause.CLUSTER_DOWN),
                                Work.NONE,
                                Optional.empty(),
                                "",
                                Optional.of("could not set the stage"))),
                Set.of("west"));

        assertThat(RolloutStateJson.read(RolloutStateJson.write(s))).isEqualTo(s);
    }

    @Test
    void anotherFormatIsRefused() {
        assertThatThrownBy(() -> RolloutStateJson.read("{\"format\": 2}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown format");
        assertThatThrownBy(() -> RolloutStateJson.read("{\"format\": 1}")).isInstanceOf(IllegalArgumentException.class);
    }
}
