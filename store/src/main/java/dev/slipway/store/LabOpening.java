package dev.slipway.store;

import java.time.Duration;

/** What bringing a lab up for a branch records; the namespace is chosen by the caller (it knows the naming rules). */
public record LabOpening(
        String app, String branch, String slug, String namespace, String ref, String actor, Duration ttl) {

    public LabOpening {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive");
        }
    }
}
