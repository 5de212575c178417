package dev.slipway.router;

import java.util.Locale;
import java.util.Optional;

/**
 * Where a route is in its migration from backend A (current) to backend B (next). A closed set so every
 * place that decides traffic handles every stage; rollback is simply a move back to {@link Off}.
 */
public sealed interface Stage {

    /** All traffic to A: the state before a migration starts and after a rollback. */
    record Off() implements Stage {}

    /** Only clients that opted in (cookie {@code slipway-optin} or header {@code X-Slipway-Optin}) reach B. */
    record OptIn() implements Stage {}

    /** At most {@code perSecond} requests per second reach B (token bucket); opted-in clients always do. */
    record RequestsPerSecond(int perSecond) implements Stage {
        public RequestsPerSecond {
            if (perSecond < 1) {
                throw new IllegalArgumentException("rps must be at least 1");
            }
        }
    }

    /** {@code percent} % of clients reach B, sticky per client through a cookie; opted-in clients always do. */
    record Percent(int percent) implements Stage {
        public Percent {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("percent must be between 0 and 100");
            }
        }
    }

    /** All traffic to B. */
    record Full() implements Stage {}

    static Stage off() {
        return new Off();
    }

    static Stage optIn() {
        return new OptIn();
    }

    static Stage requestsPerSecond(int perSecond) {
        return new RequestsPerSecond(perSecond);
    }

    static Stage percent(int percent) {
        return new Percent(percent);
    }

    static Stage full() {
        return new Full();
    }

    /** The text form used in config files and the admin API: {@code off|rollback|optin|rps N|percent N|full}. */
    default String describe() {
        if (this instanceof Off) {
            return "off";
        } else if (this instanceof OptIn) {
            return "optin";
        } else if (this instanceof RequestsPerSecond r) {
            return "rps " + r.perSecond();
        } else if (this instanceof Percent p) {
            return "percent " + p.percent();
        } else {
            return "full";
        }
    }

    /**
     * Parses the text form; {@code rollback} is accepted as a synonym of {@code off}. Empty when the text is
     * not a stage, so callers can report where the bad text came from.
     */
    static Optional<Stage> parse(String text) {
        String[] words = text.trim().toLowerCase(Locale.ROOT).split("[\\s:=]+");
        try {
            return switch (words[0]) {
                case "off", "rollback", "none" -> words.length == 1 ? Optional.of(off()) : Optional.empty();
                case "optin", "opt-in" -> words.length == 1 ? Optional.of(optIn()) : Optional.empty();
                case "full" -> words.length == 1 ? Optional.of(full()) : Optional.empty();
                case "rps" ->
                    words.length == 2 ? Optional.of(requestsPerSecond(Integer.parseInt(words[1]))) : Optional.empty();
                case "percent" ->
                    words.length == 2
                            ? Optional.of(percent(Integer.parseInt(words[1].replace("%", ""))))
                            : Optional.empty();
                default -> Optional.empty();
            };
        } catch (IllegalArgumentException e) {
            // NumberFormatException or an out-of-range number: not a stage the user can have meant.
            return Optional.empty();
        }
    }

    /** The words a user may write, for error messages. */
    static String syntax() {
        return "one of: off, rollback, optin, rps N (N >= 1), percent N (0-100), full";
    }
}
