package dev.slipway.rollout.controller;

import dev.slipway.router.Stage;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One cluster's part of a rollout, as stored: enough to resume it exactly where it was, the traffic split
 * included.
 *
 * @param cluster the cluster's name in the group
 * @param status where it is
 * @param step index into the rollout's steps (0 while pending)
 * @param stepEnteredAt when the current step started holding (empty while pending)
 * @param stage the traffic stage its canary has, re-applied as it is after a restart
 * @param pause why it is paused (empty unless {@link ClusterStatus#PAUSED})
 * @param work the call to the tracks it still owes
 * @param lastCheck the last analysis check of its canary
 * @param reason why it is where it is, in words (e.g. the breach that aborted it); empty when nothing to say
 * @param problem the last error of a call to the routers or the tracks, retried on the next tick; empty when none
 */
public record ClusterRollout(
        String cluster,
        ClusterStatus status,
        int step,
        Optional<Instant> stepEnteredAt,
        Stage stage,
        Optional<PauseCause> pause,
        Work work,
        Optional<Check> lastCheck,
        String reason,
        Optional<String> problem) {

    public ClusterRollout {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stepEnteredAt, "stepEnteredAt");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(pause, "pause");
        Objects.requireNonNull(work, "work");
        Objects.requireNonNull(lastCheck, "lastCheck");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(problem, "problem");
        if (step < 0) {
            throw new IllegalArgumentException("step cannot be negative");
        }
        if (pause.isPresent() != (status == ClusterStatus.PAUSED)) {
            throw new IllegalArgumentException("a pause cause goes with PAUSED and only with it");
        }
    }

    /** A cluster that has not started: no traffic to its canary. */
    static ClusterRollout pending(String cluster) {
        return new ClusterRollout(
                cluster,
                ClusterStatus.PENDING,
                0,
                Optional.empty(),
                Stage.off(),
                Optional.empty(),
                Work.NONE,
                Optional.empty(),
                "",
                Optional.empty());
    }

    ClusterRollout withStatus(ClusterStatus s, Optional<PauseCause> cause) {
        return new ClusterRollout(cluster, s, step, stepEnteredAt, stage, cause, work, lastCheck, reason, problem);
    }

    ClusterRollout paused(PauseCause cause, String why) {
        return new ClusterRollout(
                cluster,
                ClusterStatus.PAUSED,
                step,
                stepEnteredAt,
                stage,
                Optional.of(cause),
                work,
                lastCheck,
                why,
                problem);
    }

    ClusterRollout withStage(Stage s) {
        return new ClusterRollout(cluster, status, step, stepEnteredAt, s, pause, work, lastCheck, reason, problem);
    }

    ClusterRollout withWork(Work w) {
        return new ClusterRollout(cluster, status, step, stepEnteredAt, stage, pause, w, lastCheck, reason, problem);
    }

    ClusterRollout withCheck(Check c) {
        return new ClusterRollout(
                cluster, status, step, stepEnteredAt, stage, pause, work, Optional.of(c), reason, problem);
    }

    ClusterRollout withReason(String r) {
        return new ClusterRollout(cluster, status, step, stepEnteredAt, stage, pause, work, lastCheck, r, problem);
    }

    ClusterRollout withProblem(Optional<String> p) {
        return new ClusterRollout(cluster, status, step, stepEnteredAt, stage, pause, work, lastCheck, reason, p);
    }

    /** In step {@code index} since {@code at}, with {@code status}, its stage and no pause unless given. */
    ClusterRollout entering(int index, Instant at, ClusterStatus s, Optional<PauseCause> cause, Stage st, String why) {
        return new ClusterRollout(
                cluster, s, index, Optional.of(at), st, cause, Work.NONE, Optional.empty(), why, Optional.empty());
    }
}
