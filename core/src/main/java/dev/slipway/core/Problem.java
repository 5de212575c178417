package dev.slipway.core;

import java.util.Objects;

/**
 * One thing wrong with what the user gave us, phrased as advice: what is wrong, where, and what to do.
 *
 * @param where file:line, field path, or cluster name; never null (use "" when there is no place)
 * @param what what is wrong, in one sentence, without secret names or values
 * @param fix what the user can do about it; may be empty when obvious
 */
public record Problem(String where, String what, String fix) {
    public Problem {
        Objects.requireNonNull(where, "where");
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(fix, "fix");
    }

    public static Problem at(SourceLocation location, String what, String fix) {
        return new Problem(location.toString(), what, fix);
    }

    /** Renders as {@code where: what (fix)} on one or two lines for terminals. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (!where.isEmpty()) {
            sb.append(where).append(": ");
        }
        sb.append(what);
        if (!fix.isEmpty()) {
            sb.append("\n  hint: ").append(fix);
        }
        return sb.toString();
    }
}
