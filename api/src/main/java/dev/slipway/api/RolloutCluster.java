package dev.slipway.api;

import java.time.Instant;
import java.util.Optional;

/**
 * One cluster's part of a {@link Rollout}.
 *
 * @param status {@code pending}, {@code running}, {@code paused}, {@code promoting}, {@code promoted},
 *     {@code aborted} or {@code failed}
 * @param step the step it is in, from 1 (1 while pending)
 * @param stepText that step as users read it
 * @param stepEnteredAt when the step started holding
 * @param stage the canary's traffic stage in the cluster, in the router's stage syntax: {@code off},
 *     {@code optin}, {@code rps N}, {@code percent N}, {@code full}
 * @param pause why it is paused: {@code by_hand}, {@code opt_in} or {@code cluster_down}
 * @param work the call to the tracks still owed: {@code none}, {@code promote_stable}, {@code remove_canary},
 *     {@code abort_canary}
 * @param reason why it is where it is, in words
 * @param problem the last failed call to the routers or the tracks, tried again on the next tick
 * @param lastCheck the last analysis of its canary, with the numbers
 */
public record RolloutCluster(
        String cluster,
        String status,
        int step,
        String stepText,
        Optional<Instant> stepEnteredAt,
        String stage,
        Optional<String> pause,
        String work,
        String reason,
        Optional<String> problem,
        Optional<RolloutCheck> lastCheck) {}
