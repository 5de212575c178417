package dev.slipway.core.lab;

import java.time.Duration;
import java.time.Instant;

/**
 * When a review lab expires: its last deploy plus its TTL, 24 hours unless the app or the request says otherwise.
 * One definition for the server's labs and the local labs of {@code slipway up}, so a lab lives as long wherever
 * it runs.
 */
public final class LabExpiry {

    /** How long a lab lives after its last deploy unless the app or the request sets another TTL. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);

    private LabExpiry() {}

    /** When a lab last deployed at {@code lastDeploy} with {@code ttl} expires. */
    public static Instant expiresAt(Instant lastDeploy, Duration ttl) {
        return lastDeploy.plus(ttl);
    }
}
