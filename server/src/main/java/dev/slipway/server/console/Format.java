package dev.slipway.server.console;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/** How the console writes times, numbers and states: the same everywhere, in UTC. */
public final class Format {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private Format() {}

    public static String time(Instant at) {
        return TIME.format(at);
    }

    public static String time(Optional<Instant> at) {
        return at.map(Format::time).orElse("-");
    }

    /** An ISO 8601 instant, for {@code <time datetime>}. */
    public static String iso(Instant at) {
        return at.toString();
    }

    /** A count with thousands separated: {@code 10,000}. */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    public static String percent(double share) {
        return String.format(Locale.ROOT, "%.2f%%", share * 100);
    }

    /**
     * The CSS class of a state (deploy, cluster, rollout or verdict): {@code ok}, {@code bad}, {@code busy} or
     * {@code idle}, so colour always means the same.
     */
    public static String tone(String state) {
        return switch (state.toLowerCase(Locale.ROOT)) {
            case "succeeded", "promoted", "pass", "healthy", "ok", "success", "active" -> "ok";
            case "failed", "aborted", "interrupted", "breach", "fail", "down", "failure", "error" -> "bad";
            case "running", "queued", "promoting", "pending", "wait", "paused" -> "busy";
            default -> "idle";
        };
    }
}
