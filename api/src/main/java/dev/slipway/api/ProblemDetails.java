package dev.slipway.api;

import dev.slipway.core.Problem;
import java.util.List;

/**
 * The body of every refusal (RFC 9457 problem details) with Slipway's what/where/fix list, so a client shows the
 * server's problems exactly as the CLI shows its own.
 *
 * @param status the HTTP status, repeated in the body for clients that only keep the body
 * @param detail the first problem's {@code what}, or the title when there is none
 */
public record ProblemDetails(String type, String title, int status, String detail, List<Problem> problems) {

    public ProblemDetails {
        // A problem body from something other than Slipway may lack the list.
        problems = problems == null ? List.of() : List.copyOf(problems);
        title = title == null ? "" : title;
    }

    /** The document for a refusal with {@code status} and the problems found. */
    public static ProblemDetails of(int status, String title, List<Problem> problems) {
        return new ProblemDetails(
                "about:blank",
                title,
                status,
                problems.isEmpty() ? title : problems.get(0).what(),
                problems);
    }
}
