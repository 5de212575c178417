package dev.slipway.store;

import java.util.Locale;
import java.util.Optional;

/**
 * What a token may do; each scope includes the ones below it (admin ⊃ deploy ⊃ read ⊃ metrics). {@code metrics}
 * only scrapes {@code GET /metrics}: the token a Prometheus server keeps reads nothing else.
 */
public enum Scope {
    METRICS,
    READ,
    DEPLOY,
    ADMIN;

    /** Whether a token holding this scope may do what {@code needed} guards. */
    public boolean grants(Scope needed) {
        return ordinal() >= needed.ordinal();
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Scope> parse(String name) {
        for (Scope scope : values()) {
            if (scope.name().equalsIgnoreCase(name)) {
                return Optional.of(scope);
            }
        }
        return Optional.empty();
    }
}
