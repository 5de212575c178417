package dev.slipway.core.deploy;

import java.util.List;

/** How waiting for a cluster's objects to become healthy ended. */
public sealed interface HealthOutcome {

    static HealthOutcome allHealthy() {
        return new AllHealthy();
    }

    static HealthOutcome failed(ObjectHealth failed) {
        return new Failed(failed);
    }

    static HealthOutcome timedOut(List<ObjectHealth> pending) {
        return new TimedOut(List.copyOf(pending));
    }

    /** Every object became healthy. */
    record AllHealthy() implements HealthOutcome {}

    /** One object reported a state it will not recover from; waiting stopped there. */
    record Failed(ObjectHealth object) implements HealthOutcome {}

    /** The timeout passed with these objects still not healthy (their last known state). */
    record TimedOut(List<ObjectHealth> pending) implements HealthOutcome {}
}
