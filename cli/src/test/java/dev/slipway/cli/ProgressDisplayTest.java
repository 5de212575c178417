package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.core.deploy.RollbackPlan;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.ClusterPlan;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.revision.RevisionOutcome;
import dev.slipway.core.revision.RevisionSummary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Help.Ansi;

class ProgressDisplayTest {
    private static final ObjectRef WEB = new ObjectRef("apps", "Deployment", "shop", "web");
    private static final ObjectRef SECRET = new ObjectRef("", "Secret", "shop", "api-secrets");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

    private final StringWriter buffer = new StringWriter();
    private final PrintWriter out = new PrintWriter(buffer, true);

    private static ClusterPlan plan(String cluster) {
        return new ClusterPlan(
                cluster,
                "shop",
                true,
                OptionalInt.empty(),
                List.of(PlannedChange.create(SECRET), PlannedChange.create(WEB)));
    }

    @Test
    void plainModeLogsOneLinePerEventWithoutCursorMovesOrSecretNames() {
        ProgressDisplay display = ProgressDisplay.plain(out, Ansi.OFF, CLOCK, List.of("east-1", "west-1"));
        display.start();
        display.clusterStarted(plan("east-1"));
        display.applied("east-1", PlannedChange.create(SECRET));
        display.applied("east-1", PlannedChange.create(WEB));
        display.health("east-1", ObjectHealth.progressing(WEB, "1/3 replicas available"));
        display.health("east-1", ObjectHealth.healthy(WEB, "3/3 replicas available"));
        display.clusterFinished(ClusterResult.deployed(plan("east-1"), 1));
        display.clusterFinished(ClusterResult.notStarted("west-1"));

        String text = buffer.toString();
        assertThat(text).doesNotContain("\u001b[");
        assertThat(text).doesNotContain("api-secrets");
        assertThat(text.lines())
                .containsExactly(
                        "east-1: 2 to create, 0 to update, 0 to delete, 0 unchanged",
                        "east-1: + Secret (secret, new)",
                        "east-1: + Deployment.apps/web (create)",
                        "east-1: Deployment.apps/web progressing: 1/3 replicas available",
                        "east-1: Deployment.apps/web healthy: 3/3 replicas available",
                        "east-1: ✓ deployed revision 1 (2 written in 0.0s)",
                        "west-1: – not started (keeps its previous revision)");
    }

    @Test
    void liveModeRedrawsOneLinePerClusterInPlace() {
        ProgressDisplay display = ProgressDisplay.live(out, Ansi.OFF, CLOCK, List.of("east-1", "west-1"));
        display.start();
        display.clusterStarted(plan("east-1"));
        display.health("east-1", ObjectHealth.progressing(WEB, "1/3 replicas available"));

        String text = buffer.toString();
        assertThat(text).contains("\u001b[2A");
        String lastFrame = text.substring(text.lastIndexOf("\u001b[2A"));
        assertThat(lastFrame)
                .contains("east-1: waiting for health 0/1 · Deployment.apps/web: 1/3 replicas available")
                .contains("west-1: waiting for its turn");
    }

    @Test
    void failureNamesTheObjectAndReason() {
        ProgressDisplay display = ProgressDisplay.plain(out, Ansi.OFF, CLOCK, List.of("east-2"));
        display.clusterStarted(plan("east-2"));
        ClusterFailure failure =
                ClusterFailure.unhealthy("east-2", ObjectHealth.failed(WEB, "progress deadline exceeded"));
        display.clusterFinished(ClusterResult.failed(failure, Optional.of(plan("east-2")), OptionalInt.of(1)));

        assertThat(buffer.toString())
                .contains("east-2: ✗ failed: Deployment.apps/web: did not become healthy: progress deadline exceeded");
    }

    private static RollbackPlan rollback() {
        RevisionSummary v11 = new RevisionSummary(
                        2, "v1.1", "alice", CLOCK.instant(), RevisionOutcome.SUCCEEDED, OptionalInt.empty(), 1)
                .withRelease("3f9a0c12ab44");
        RevisionSummary v10 = new RevisionSummary(
                        1, "v1.0", "alice", CLOCK.instant(), RevisionOutcome.SUCCEEDED, OptionalInt.empty(), 1)
                .withRelease("9e1b07d2c5aa");
        return new RollbackPlan(
                "9e1b07d2c5aa",
                List.of(
                        new RollbackPlan.Step("east-1", Optional.of(v11), v10, false),
                        new RollbackPlan.Step("west-1", Optional.of(v10), v10, true)));
    }

    @Test
    void aRollbackShowsEveryClustersTargetBeforeItsFirstWrite() {
        ProgressDisplay display = ProgressDisplay.plain(out, Ansi.OFF, CLOCK, List.of("east-1", "west-1"));
        display.start();
        display.rollingBack(rollback());
        display.clusterStarted(plan("east-1"));

        assertThat(buffer.toString().lines())
                .containsExactly(
                        "Target: release 9e1b07d2c5aa on every cluster",
                        "  east-1: revision 2 (release 3f9a0c12ab44, ref v1.1) → revision 1 (release 9e1b07d2c5aa,"
                                + " ref v1.0)",
                        "  west-1: revision 1 (release 9e1b07d2c5aa, ref v1.0) → already at release 9e1b07d2c5aa",
                        "east-1: 2 to create, 0 to update, 0 to delete, 0 unchanged");
        assertThat(display.rollback())
                .hasValueSatisfying(p -> assertThat(p.release()).isEqualTo("9e1b07d2c5aa"));
    }

    @Test
    void onATerminalTheTargetsStayAboveTheLiveLines() {
        ProgressDisplay display = ProgressDisplay.live(out, Ansi.OFF, CLOCK, List.of("east-1", "west-1"));
        display.start();
        display.rollingBack(rollback());
        display.clusterStarted(plan("east-1"));

        assertThat(TerminalScreen.of(buffer.toString()))
                .containsExactly(
                        "Target: release 9e1b07d2c5aa on every cluster",
                        "  east-1: revision 2 (release 3f9a0c12ab44, ref v1.1) → revision 1 (release 9e1b07d2c5aa,"
                                + " ref v1.0)",
                        "  west-1: revision 1 (release 9e1b07d2c5aa, ref v1.0) → already at release 9e1b07d2c5aa",
                        "east-1: applying 0/2",
                        "west-1: waiting for its turn");
    }
}
