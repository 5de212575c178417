package dev.slipway.store;

import java.time.Instant;
import java.util.Optional;

/** One cluster's part of a deploy, kept so an interrupted deploy shows what was already done where. */
public record ClusterProgress(
        int position,
        String cluster,
        ClusterState state,
        Optional<Integer> revision,
        Optional<String> message,
        Instant updatedAt) {}
