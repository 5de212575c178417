package dev.slipway.api;

import java.time.Instant;
import java.util.Optional;

/**
 * One cluster's part of a {@link Deploy}: clusters go in order, and a failure halts the rest, which keep their
 * previous revision.
 *
 * @param state {@code pending}, {@code running}, {@code succeeded}, {@code failed} or {@code skipped}
 * @param revision the revision the cluster recorded, once it did
 */
public record DeployCluster(
        String cluster, String state, Instant updatedAt, Optional<Integer> revision, Optional<String> message) {}
