package dev.slipway.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What registering (or re-registering) an app writes. */
public record AppRegistration(
        String name,
        String directory,
        Optional<String> labGroup,
        Duration labTtl,
        List<EnvironmentRecord> environments) {

    public AppRegistration {
        environments = List.copyOf(environments);
        if (labTtl.isNegative() || labTtl.isZero()) {
            throw new IllegalArgumentException("labTtl must be positive");
        }
    }
}
