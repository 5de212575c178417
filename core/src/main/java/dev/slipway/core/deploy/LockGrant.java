package dev.slipway.core.deploy;

import java.time.Instant;

/** The answer to asking for a deploy lock. */
public sealed interface LockGrant {

    static LockGrant acquired(DeployLock lock) {
        return new Acquired(lock);
    }

    static LockGrant heldBy(String holder, Instant since, Instant expires) {
        return new Held(holder, since, expires);
    }

    /** The lock is ours (fresh, or taken over from an expired holder). */
    record Acquired(DeployLock lock) implements LockGrant {}

    /** Another deploy holds the lock and it has not expired. */
    record Held(String holder, Instant since, Instant expires) implements LockGrant {}
}
