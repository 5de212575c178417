package dev.slipway.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An app the server deploys: where its directory lives on the server, and how its review labs behave.
 *
 * @param labGroup the cluster group labs go to; empty means the group of the app's first environment
 */
public record AppRecord(
        String name,
        String directory,
        Optional<String> labGroup,
        Duration labTtl,
        String registeredBy,
        Instant registeredAt,
        Instant updatedAt,
        List<EnvironmentRecord> environments) {

    public AppRecord {
        environments = List.copyOf(environments);
    }

    /** The environment called {@code name}, if the app has one. */
    public Optional<EnvironmentRecord> environment(String name) {
        return environments.stream().filter(e -> e.name().equals(name)).findFirst();
    }
}
