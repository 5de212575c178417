package dev.slipway.store;

import java.time.Instant;

/** One line of a deploy's progress log; {@code seq} lets a client resume a stream where it left off. */
public record LogLine(long deployId, int seq, Instant at, String line) {}
