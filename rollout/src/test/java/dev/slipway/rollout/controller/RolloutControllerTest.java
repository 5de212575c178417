package dev.slipway.rollout.controller;

import static dev.slipway.rollout.controller.RolloutFixture.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.core.rollout.RolloutStep;
import dev.slipway.router.Stage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The controller's state machine on fakes and a mutable clock: every transition a user could notice. */
class RolloutControllerTest {
    final RolloutFixture f = new RolloutFixture();

    @Test
    void anAbortStandsWhenAnotherControllerOnTheSameStoreMakesItsCallsMeanwhile() {
        // a person's `rollout abort` while `rollout run` ticks the same files: the run saves while the abort calls
        // the tracks, so the abort's own next save is stale; the abort is stored all the same and is answered
        RolloutFixture run = new RolloutFixture();
        run.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east-1", "west-1");
        Tracks tickingMeanwhile = new Tracks() {
            @Override
            public void promoteStable(RolloutKey key, String cluster) {}

            @Override
            public void removeCanary(RolloutKey key, String cluster) {}

            @Override
            public void abort(RolloutKey key, String cluster) {
                run.controller.tick(key);
            }
        };
        RolloutController person = new RolloutController(
                run.store, run.stats, run.traffic, tickingMeanwhile, RolloutEvents.none(), run.clock);

        RolloutState after = person.abort(KEY, "bob", "errors in the logs");

        assertThat(after.settled()).isTrue();
        assertThat(after.promoted()).isFalse();
        assertThat(run.cluster("east-1").status()).isEqualTo(ClusterStatus.ABORTED);
        assertThat(run.cluster("east-1").reason()).contains("errors in the logs");
        assertThat(run.tracks.calls).anyMatch(c -> c.startsWith("abort east-1"));
    }

    @Test
    void aHealthyRolloutTakesEveryStepClusterByClusterAndPromotesWithTrafficOffTheCanaryBeforeItGoes() {
        Instant started = f.clock.instant();
        RolloutState s = f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        assertThat(s.cluster("east").orElseThrow().status()).isEqualTo(ClusterStatus.RUNNING);
        assertThat(s.cluster("west").orElseThrow().status()).isEqualTo(ClusterStatus.PENDING);
        assertThat(f.traffic.stages)
                .containsEntry("east", Stage.requestsPerSecond(100))
                .containsEntry("west", Stage.off());

        s = f.healthyUntil(RolloutState::promoted, 100);

        assertThat(s.promoted()).isTrue();
        assertThat(f.traffic.of("east")).containsExactly("rps 100", "percent 10", "full", "off");
        assertThat(f.traffic.of("west")).containsExactly("off", "rps 100", "percent 10", "full", "off");
        // Stable moves while all traffic is on the canary; the canary goes once traffic is back on stable.
        assertThat(f.tracks.calls)
                .containsExactly(
                        "promoteStable east [full]",
                        "removeCanary east [off]",
                        "promoteStable west [full]",
                        "removeCanary west [off]");
        // Each step held at least its for: rps 100 for 1m, then 10% for 2m.
        assertThat(f.traffic.when("east", "percent 10")).isAfterOrEqualTo(started.plus(Duration.ofMinutes(1)));
        assertThat(f.traffic.when("east", "full"))
                .isAfterOrEqualTo(f.traffic.when("east", "percent 10").plus(Duration.ofMinutes(2)));
        // West started only after east was promoted.
        assertThat(f.traffic.when("west", "rps 100")).isAfterOrEqualTo(f.traffic.when("east", "off"));
        assertThat(f.actions())
                .startsWith(
                        "rollout.start acme-web/production by alice", "rollout.step acme-web/production/east by alice")
                .contains(
                        "rollout.step acme-web/production/east by controller",
                        "rollout.stable-promoted acme-web/production/east by controller",
                        "rollout.promoted acme-web/production/east by controller",
                        "rollout.promoted acme-web/production/west by controller");
        RolloutEvent moved = f.events.stream()
                .filter(e -> e.action().equals("rollout.step") && e.details().contains("10% for 2m"))
                .findFirst()
                .orElseThrow();
        assertThat(moved.details()).contains("held 1m").contains("canary 200 requests, 0 errors");
        assertThat(s.cluster("east").orElseThrow().reason()).contains("promoted");
    }

    @Test
    void aFreezeHoldsEveryStepAndPromotionUntilItEndsWhileJudgingGoesOn() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        f.freeze.set("production is frozen by alice until 2026-12-03T12:00:00Z: launch (on east)");

        RolloutState s = null;
        for (int i = 0; i < 30; i++) {
            s = f.healthy();
        }
        ClusterRollout east = s.cluster("east").orElseThrow();
        assertThat(east.status()).isEqualTo(ClusterStatus.RUNNING);
        assertThat(east.step()).as("still the first step, 5 minutes later").isZero();
        assertThat(f.traffic.of("east")).containsExactly("rps 100");
        assertThat(east.reason())
                .startsWith("held: production is frozen by alice")
                .contains("step 2 waits");
        assertThat(east.lastCheck().orElseThrow().verdict())
                .as("judged meanwhile")
                .isEqualTo(Verdict.PASS);
        assertThat(f.actions()).containsOnlyOnce("rollout.held acme-web/production/east by controller");
        assertThatThrownBy(() -> f.controller.promote(KEY, "bob"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cannot promote while production is frozen by alice");

        f.freeze.set(null);
        s = f.healthyUntil(RolloutState::promoted, 100);
        assertThat(s.promoted()).isTrue();
        assertThat(f.traffic.of("west")).containsExactly("off", "rps 100", "percent 10", "full", "off");
    }

    @Test
    void aBreachDuringAFreezeStillAbortsAndARetryWaitsForTheFreezeToEnd() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        f.freeze.set("production is frozen by window weekend until 2026-12-07T08:00:00Z: weekend (on east)");
        f.healthy();
        f.healthy();
        RolloutState s = f.interval(200, 10, Duration.ofMillis(50));
        assertThat(s.cluster("east").orElseThrow().status()).isEqualTo(ClusterStatus.ABORTED);
        assertThat(f.traffic.of("east")).containsExactly("rps 100", "off");

        // Retrying starts traffic again: not while frozen.
        assertThatThrownBy(() -> f.controller.retry(KEY, "bob"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cannot retry while production is frozen by window weekend");
    }

    @Test
    void aBreachAbortsOnItsOwnWithTheNumbersAndTrafficLeavesTheCanaryBeforeItIsRemoved() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        f.healthy();
        f.healthy();
        RolloutState s = f.interval(200, 10, Duration.ofMillis(50));

        ClusterRollout east = s.cluster("east").orElseThrow();
        assertThat(east.status()).isEqualTo(ClusterStatus.ABORTED);
        assertThat(east.stage()).isEqualTo(Stage.off());
        assertThat(east.reason())
                .contains("error rate 5.00% above maxErrorRate 1%")
                .contains("10 errors");
        Check check = east.lastCheck().orElseThrow();
        assertThat(check.verdict()).isEqualTo(Verdict.BREACH);
        assertThat(check.requests()).isEqualTo(200);
        assertThat(check.errors()).isEqualTo(10);
        assertThat(check.window()).isEqualTo(RolloutFixture.INTERVAL);
        // West never started; its canary is removed too, and no promotion happened anywhere.
        assertThat(s.cluster("west").orElseThrow().status()).isEqualTo(ClusterStatus.ABORTED);
        assertThat(f.traffic.of("east")).containsExactly("rps 100", "off");
        assertThat(f.tracks.calls).containsExactly("abort east [off]", "abort west [off]");
        RolloutEvent abort = f.events.stream()
                .filter(e -> e.action().equals("rollout.abort") && e.target().endsWith("/east"))
                .findFirst()
                .orElseThrow();
        assertThat(abort.byController()).isTrue();
        assertThat(abort.details()).contains("breach: error rate 5.00%").contains("was step 1/3 rps 100 for 1m");

        // Each window judged is reported once, for the charts (east alone was in a step): the healthy one, the breach.
        assertThat(f.checks).containsExactly("east: PASS 200/0", "east: BREACH 200/10");

        // Nothing more happens on later ticks.
        f.healthy();
        assertThat(f.tracks.calls).hasSize(2);
        assertThat(f.checks).hasSize(2);
    }

    @Test
    void tooFewRequestsWaitEvenWhenTheyAllFailAndTheStepDoesNotPass() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        for (int i = 0; i < 20; i++) {
            f.interval(50, 50, Duration.ofMillis(50));
        }
        ClusterRollout east = f.cluster("east");
        assertThat(east.status()).isEqualTo(ClusterStatus.RUNNING);
        assertThat(east.step()).isZero();
        assertThat(east.lastCheck().orElseThrow().verdict()).isEqualTo(Verdict.WAIT);
        assertThat(east.lastCheck().orElseThrow().reason()).startsWith("50 of the 100 canary requests");
        assertThat(f.tracks.calls).isEmpty();
        // Every window read is reported, waiting ones too: the charts show the canary failing all along.
        assertThat(f.checks).hasSizeGreaterThanOrEqualTo(19).allMatch(c -> c.equals("east: WAIT 50/50"));

        // Enough healthy requests and the step, held long enough by now, passes at once.
        f.healthy();
        assertThat(f.cluster("east").step()).isEqualTo(1);
    }

    @Test
    void latencyBreachesTheAbsoluteLimitAndTheRatioToStable() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        f.healthy();
        RolloutState s = f.interval(200, 0, Duration.ofMillis(900));
        assertThat(s.cluster("east").orElseThrow().reason()).contains("p99 ").contains("above maxP99 800ms");

        RolloutFixture g = new RolloutFixture();
        g.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        g.healthy();
        // Stable answers in 50 ms; 1.5 x is 75 ms.
        s = g.interval(200, 0, Duration.ofMillis(120));
        assertThat(s.cluster("east").orElseThrow().status()).isEqualTo(ClusterStatus.ABORTED);
        assertThat(s.cluster("east").orElseThrow().reason()).contains("above maxP99Ratio 1.5 x stable's");
    }

    @Test
    void pausedClustersHoldTheirSplitAndAreStillJudgedAndResumeHoldsTheStepAgain() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        f.healthy();
        f.controller.pause(KEY, "bob", "looking at logs");
        assertThat(f.cluster("east").status()).isEqualTo(ClusterStatus.PAUSED);
        assertThat(f.cluster("east").pause()).contains(PauseCause.BY_HAND);
        for (int i = 0; i < 12; i++) {
            f.healthy();
        }
        assertThat(f.cluster("east").step()).isZero();
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.requestsPerSecond(100));
        assertThat(f.cluster("east").lastCheck().orElseThrow().verdict()).isEqualTo(Verdict.PASS);
        assertThatThrownBy(() -> f.controller.pause(KEY, "bob", ""))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("nothing to pause");

        Instant resumed = f.clock.instant();
        f.controller.resume(KEY, "bob");
        assertThat(f.cluster("east").status()).isEqualTo(ClusterStatus.RUNNING);
        assertThat(f.cluster("east").stepEnteredAt()).contains(resumed);
        f.healthyUntil(s -> s.cluster("east").orElseThrow().step() == 1, 20);
        assertThat(f.traffic.when("east", "percent 10")).isAfterOrEqualTo(resumed.plus(Duration.ofMinutes(1)));
        assertThat(f.actions())
                .contains(
                        "rollout.pause acme-web/production/east by bob",
                        "rollout.resume acme-web/production/east by bob");

        // A breach while paused still aborts.
        f.controller.pause(KEY, "bob", "");
        f.healthy();
        f.healthy();
        f.interval(200, 100, Duration.ofMillis(50));
        assertThat(f.cluster("east").status()).isEqualTo(ClusterStatus.ABORTED);
    }

    @Test
    void optinHoldsUntilSomeoneResumesThenTheNextStepStarts() {
        f.start(
                RolloutFixture.spec(
                        ClusterOrder.ONE_BY_ONE,
                        new RolloutStep.OptIn(),
                        new RolloutStep.Percent(10, Duration.ofMinutes(1)),
                        new RolloutStep.Full()),
                "east");
        assertThat(f.cluster("east").pause()).contains(PauseCause.OPT_IN);
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.optIn());
        for (int i = 0; i < 30; i++) {
            f.healthy();
        }
        assertThat(f.cluster("east").step()).isZero();

        f.controller.resume(KEY, "carol");
        assertThat(f.cluster("east").step()).isEqualTo(1);
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.percent(10));
        assertThat(f.healthyUntil(RolloutState::promoted, 20).promoted()).isTrue();
    }

    @Test
    void promoteByHandSkipsTheRemainingStepsOfEveryCluster() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        f.healthy();
        RolloutState s = f.controller.promote(KEY, "dave");
        assertThat(s.promoted()).isTrue();
        assertThat(f.tracks.calls)
                .containsExactly(
                        "promoteStable east [full]",
                        "removeCanary east [off]",
                        "promoteStable west [full]",
                        "removeCanary west [off]");
        assertThat(f.actions()).contains("rollout.promote acme-web/production/west by dave");
        assertThatThrownBy(() -> f.controller.promote(KEY, "dave")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> f.controller.retry(KEY, "dave"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("deploy a new revision");
    }

    @Test
    void abortByHandThenRetryStartsAgainFromTheFirstStep() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        f.healthyUntil(s -> s.cluster("east").orElseThrow().step() == 1, 20);
        assertThatThrownBy(() -> f.controller.retry(KEY, "erin"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("only a rollout that stopped");

        RolloutState s = f.controller.abort(KEY, "erin", "wrong build");
        assertThat(s.clusters()).extracting(ClusterRollout::status).containsOnly(ClusterStatus.ABORTED);
        assertThat(s.cluster("east").orElseThrow().reason()).isEqualTo("aborted by erin: wrong build");
        assertThat(f.tracks.calls).containsExactly("abort east [off]", "abort west [off]");
        assertThatThrownBy(() -> f.controller.abort(KEY, "erin", "")).isInstanceOf(InvalidInputException.class);

        s = f.controller.retry(KEY, "erin");
        assertThat(s.cluster("east").orElseThrow().status()).isEqualTo(ClusterStatus.RUNNING);
        assertThat(s.cluster("east").orElseThrow().step()).isZero();
        assertThat(s.cluster("west").orElseThrow().status()).isEqualTo(ClusterStatus.PENDING);
        assertThat(s.startedBy()).isEqualTo("erin");
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.requestsPerSecond(100));
        assertThat(f.healthyUntil(RolloutState::promoted, 100).promoted()).isTrue();
        assertThat(f.actions()).contains("rollout.retry acme-web/production by erin");
    }

    @Test
    void togetherMovesEveryClusterThroughEachStepAtOnceJudgedOnTheirSum() {
        f.start(RolloutFixture.spec(ClusterOrder.TOGETHER), "east", "west");
        assertThat(f.traffic.stages)
                .containsEntry("east", Stage.requestsPerSecond(100))
                .containsEntry("west", Stage.requestsPerSecond(100));
        // 60 canary requests per cluster: too few alone (minRequests 100), enough together.
        for (int i = 0; i < 8; i++) {
            f.interval(60, 0, Duration.ofMillis(50));
        }
        RolloutState s = f.state();
        assertThat(s.clusters()).extracting(ClusterRollout::step).containsOnly(1);
        assertThat(s.cluster("east").orElseThrow().stepEnteredAt())
                .isEqualTo(s.cluster("west").orElseThrow().stepEnteredAt());
        assertThat(f.traffic.when("east", "percent 10")).isEqualTo(f.traffic.when("west", "percent 10"));

        // A breach in one cluster's canary aborts both.
        f.clock.add(RolloutFixture.INTERVAL);
        f.stats.canary("east", 100, 0, Duration.ofMillis(50));
        f.stats.canary("west", 100, 20, Duration.ofMillis(50));
        s = f.controller.tick(KEY);
        assertThat(s.clusters()).extracting(ClusterRollout::status).containsOnly(ClusterStatus.ABORTED);
        assertThat(f.tracks.calls).containsExactly("abort east [off]", "abort west [off]");
    }

    @Test
    void togetherPromotesEveryCluster() {
        f.start(RolloutFixture.spec(ClusterOrder.TOGETHER), "east", "west");
        assertThat(f.healthyUntil(RolloutState::promoted, 100).promoted()).isTrue();
        assertThat(f.tracks.calls)
                .containsExactlyInAnyOrder(
                        "promoteStable east [full]",
                        "removeCanary east [off]",
                        "promoteStable west [full]",
                        "removeCanary west [off]");
    }

    @Test
    void aClusterGoingDownPausesTheRolloutSendsItsCanaryTrafficToStableAndItResumesWhenBack() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        f.healthyUntil(s -> s.cluster("east").orElseThrow().step() == 1, 20);

        f.controller.clusterDown(KEY, "east", "API server unreachable");
        assertThat(f.cluster("east").status()).isEqualTo(ClusterStatus.PAUSED);
        assertThat(f.cluster("east").pause()).contains(PauseCause.CLUSTER_DOWN);
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.off());
        assertThat(f.state().down()).containsExactly("east");
        for (int i = 0; i < 30; i++) {
            f.healthy();
        }
        assertThat(f.cluster("east").step()).isEqualTo(1);
        assertThatThrownBy(() -> f.controller.resume(KEY, "bob"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("east is unhealthy");

        Instant back = f.clock.instant();
        f.controller.clusterUp(KEY, "east");
        assertThat(f.cluster("east").status()).isEqualTo(ClusterStatus.RUNNING);
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.percent(10));
        assertThat(f.cluster("east").stepEnteredAt()).contains(back);
        assertThat(f.actions())
                .contains(
                        "rollout.cluster-down acme-web/production/east by controller",
                        "rollout.pause acme-web/production/east by controller",
                        "rollout.cluster-up acme-web/production/east by controller",
                        "rollout.resume acme-web/production/east by controller");
    }

    @Test
    void aPauseByHandDuringAClusterDownOutlastsIt() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        f.controller.clusterDown(KEY, "east", "unreachable");
        f.controller.pause(KEY, "bob", "wait for the post-mortem");
        f.controller.clusterUp(KEY, "east");
        assertThat(f.cluster("east").pause()).contains(PauseCause.BY_HAND);
        // Its traffic is back as the step had it, held.
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.requestsPerSecond(100));
        f.controller.resume(KEY, "bob");
        assertThat(f.cluster("east").status()).isEqualTo(ClusterStatus.RUNNING);
    }

    @Test
    void anotherClusterGoingDownPausesButKeepsTheRunningClustersSplit() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        f.controller.clusterDown(KEY, "west", "nodes not ready");
        assertThat(f.cluster("east").status()).isEqualTo(ClusterStatus.PAUSED);
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.requestsPerSecond(100));
        f.controller.clusterUp(KEY, "west");
        assertThat(f.healthyUntil(RolloutState::promoted, 100).promoted()).isTrue();
    }

    @Test
    void aFailedTracksCallIsRecordedAndMadeAgainOnTheNextTick() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        f.tracks.failNext("promoteStable", 2);
        f.healthyUntil(s -> s.cluster("east").orElseThrow().status() == ClusterStatus.PROMOTING, 30);
        ClusterRollout east = f.cluster("east");
        assertThat(east.work()).isEqualTo(Work.PROMOTE_STABLE);
        assertThat(east.problem()).hasValueSatisfying(p -> assertThat(p).contains("API server unreachable"));
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.full());

        f.healthy();
        f.healthy();
        assertThat(f.cluster("east").status()).isEqualTo(ClusterStatus.PROMOTED);
        assertThat(f.cluster("east").problem()).isEmpty();
        assertThat(f.tracks.calls).containsExactly("promoteStable east [full]", "removeCanary east [off]");
        assertThat(f.actions().stream().filter(a -> a.startsWith("rollout.problem")))
                .hasSize(1);
    }

    @Test
    void noCanaryIsRemovedWhileItsTrafficCouldNotBeMovedToStable() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        f.healthy();
        f.traffic.failure = new IllegalStateException("router feed unreachable");
        f.controller.abort(KEY, "erin", "");
        assertThat(f.tracks.calls).isEmpty();
        assertThat(f.cluster("east").problem())
                .hasValueSatisfying(p -> assertThat(p).contains("router feed unreachable"));

        f.traffic.failure = null;
        f.controller.tick(KEY);
        assertThat(f.traffic.stages.get("east")).isEqualTo(Stage.off());
        assertThat(f.tracks.calls).containsExactly("abort east [off]");
    }

    @Test
    void aRouterRestartSkipsTheWindowRatherThanJudgingNegativeNumbers() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        f.healthy();
        f.healthy();
        f.stats.reset();
        RolloutState s = f.interval(200, 0, Duration.ofMillis(50));
        assertThat(s.cluster("east").orElseThrow().lastCheck().orElseThrow().reason())
                .contains("a router restarted");
        assertThat(s.cluster("east").orElseThrow().status()).isEqualTo(ClusterStatus.RUNNING);
    }

    @Test
    void unreadableNumbersWaitAndSayWhy() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        f.stats.failure = new IllegalStateException("router 10.0.0.5:9901 refused the connection");
        RolloutState s = f.healthy();
        Check check = s.cluster("east").orElseThrow().lastCheck().orElseThrow();
        assertThat(check.verdict()).isEqualTo(Verdict.WAIT);
        assertThat(check.reason()).contains("refused the connection");
    }

    @Test
    void aCanaryThatCouldNotRunIsRecordedAsAFailedRolloutWithoutTouchingTrafficOrTracks() {
        RolloutState s = f.controller.canaryFailed(
                KEY,
                RolloutFixture.spec(ClusterOrder.ONE_BY_ONE),
                "r8",
                List.of("east", "west"),
                java.util.Set.of(),
                "west",
                "pods never became ready (CrashLoopBackOff)",
                "alice");

        assertThat(s.settled()).isTrue();
        assertThat(s.revision()).isEqualTo("r8");
        ClusterRollout west = s.cluster("west").orElseThrow();
        assertThat(west.status()).isEqualTo(ClusterStatus.FAILED);
        assertThat(west.reason())
                .startsWith("the canary in west cannot run: pods never became ready (CrashLoopBackOff)")
                .contains("stable serves as before");
        ClusterRollout east = s.cluster("east").orElseThrow();
        assertThat(east.status()).isEqualTo(ClusterStatus.ABORTED);
        assertThat(east.reason()).startsWith("aborted: the canary in west cannot run");
        assertThat(f.traffic.calls)
                .as("stable never stopped serving: no stage set")
                .isEmpty();
        assertThat(f.tracks.calls)
                .as("the deploy already took the canaries away")
                .isEmpty();
        assertThat(f.actions())
                .containsExactly(
                        "rollout.abort acme-web/production/east by alice",
                        "rollout.fail acme-web/production/west by alice");
        assertThat(f.controller.status(KEY)).contains(s);

        // Ticking it changes nothing, and the next deploy's canary starts a rollout of its own.
        f.controller.tick(KEY);
        assertThat(f.traffic.calls).isEmpty();
        RolloutState next = f.controller.start(
                KEY, RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "r9", List.of("east", "west"), "bob");
        assertThat(next.cluster("east").orElseThrow().status()).isEqualTo(ClusterStatus.RUNNING);
    }

    @Test
    void aCanaryTheFailedDeployCouldNotTakeAwayIsAbortedByTheRecord() {
        RolloutState s = f.controller.canaryFailed(
                KEY,
                RolloutFixture.spec(ClusterOrder.TOGETHER),
                "r8",
                List.of("east", "west"),
                java.util.Set.of("east"),
                "west",
                "not healthy after 20s",
                "alice");

        assertThat(s.settled()).isTrue();
        assertThat(f.tracks.calls).containsExactly("abort east [unset]");
        assertThat(f.traffic.calls).isEmpty();
        assertThat(f.actions()).contains("rollout.canary-removed acme-web/production/east by controller");
    }

    @Test
    void aFailedCanaryIsNotRecordedOverARolloutUnderWay() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east", "west");
        assertThatThrownBy(() -> f.controller.canaryFailed(
                        KEY,
                        RolloutFixture.spec(ClusterOrder.ONE_BY_ONE),
                        "r8",
                        List.of("east"),
                        java.util.Set.of(),
                        "east",
                        "not healthy after 20s",
                        "alice"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("revision r7 is under way");
        assertThat(f.state().revision()).isEqualTo("r7");
        assertThat(f.cluster("east").status()).isEqualTo(ClusterStatus.RUNNING);
    }

    @Test
    void aSecondRolloutIsRefusedWhileOneIsUnderWay() {
        f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east");
        assertThatThrownBy(() -> f.start(RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "east"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("revision r7 is under way");
        f.controller.promote(KEY, "alice");
        RolloutState next =
                f.controller.start(KEY, RolloutFixture.spec(ClusterOrder.ONE_BY_ONE), "r8", List.of("east"), "alice");
        assertThat(next.revision()).isEqualTo("r8");
        assertThat(next.cluster("east").orElseThrow().lastCheck()).isEqualTo(Optional.empty());
    }
}
