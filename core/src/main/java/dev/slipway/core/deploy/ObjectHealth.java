package dev.slipway.core.deploy;

import dev.slipway.core.manifest.ObjectRef;

/**
 * The health of one object at one moment, as progress displays and status show it.
 *
 * @param ref the object
 * @param state healthy, progressing or failed
 * @param message what the state is based on, e.g. {@code 2/3 replicas available}
 */
public record ObjectHealth(ObjectRef ref, HealthState state, String message) {

    public static ObjectHealth healthy(ObjectRef ref, String message) {
        return new ObjectHealth(ref, HealthState.HEALTHY, message);
    }

    public static ObjectHealth progressing(ObjectRef ref, String message) {
        return new ObjectHealth(ref, HealthState.PROGRESSING, message);
    }

    public static ObjectHealth failed(ObjectRef ref, String message) {
        return new ObjectHealth(ref, HealthState.FAILED, message);
    }
}
