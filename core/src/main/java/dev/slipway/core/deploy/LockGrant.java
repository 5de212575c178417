package dev.slipway.core.deploy;

import java.time.Instant;

/** The answer to asking for a deploy lock. */
public sealed interface LockGrant {

    /** The lock was free: nobody held it. */
    static LockGrant acquired(DeployLock lock) {
        return new Acquired(lock, false);
    }

    /** The lock was taken over from a holder whose lease had expired (that deploy probably died midway). */
    static LockGrant takenOver(DeployLock lock) {
        return new Acquired(lock, true);
    }

    static LockGrant heldBy(String holder, Instant since, Instant expires) {
        return new Held(holder, since, expires);
    }

    /**
     * The lock is ours.
     *
     * @param takenOver whether an expired holder had it: what it left behind is unknown
     */
    record Acquired(DeployLock lock, boolean takenOver) implements LockGrant {}

    /** Another deploy holds the lock and it has not expired. */
    record Held(String holder, Instant since, Instant expires) implements LockGrant {}
}
