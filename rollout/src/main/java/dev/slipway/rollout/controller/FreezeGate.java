package dev.slipway.rollout.controller;

import java.util.Optional;

/**
 * Whether a deploy freeze holds an environment now (its own, one for every app, or a recurring window), as the
 * deploy engine reads it on the clusters. While one holds, a rollout moves no traffic forward: no step is
 * entered, no cluster starts, nothing is promoted — by the controller or by hand. Judging goes on, and a breach
 * still aborts (traffic back to stable is never frozen); pause and abort stay allowed.
 */
public interface FreezeGate {

    /** The freeze holding {@code key}'s environment now, described ("production is frozen by ..."); empty if none. */
    Optional<String> frozen(RolloutKey key);

    /** A gate that never sees a freeze. */
    static FreezeGate none() {
        return key -> Optional.empty();
    }
}
