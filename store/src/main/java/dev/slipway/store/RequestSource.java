package dev.slipway.store;

import java.util.Locale;
import java.util.Optional;

/** Where an action came from, so the audit log can tell a person at a terminal from the reaper. */
public enum RequestSource {
    CLI,
    API,
    CHAT,
    CI,
    REAPER,
    SERVER,
    /** The web console, as the person logged in. */
    WEB;

    /** The lower-case name used in JSON and the database. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The source called {@code name} (any case), if there is one. */
    public static Optional<RequestSource> parse(String name) {
        for (RequestSource source : values()) {
            if (source.name().equalsIgnoreCase(name)) {
                return Optional.of(source);
            }
        }
        return Optional.empty();
    }
}
