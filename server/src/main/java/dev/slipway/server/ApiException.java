package dev.slipway.server;

import dev.slipway.core.Problem;
import java.util.List;

/**
 * A request the server refuses, with the HTTP status and the problems shown to the caller as a JSON problem body
 * (never a stack trace).
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String title;
    private final transient List<Problem> problems;

    ApiException(int status, String title, List<Problem> problems) {
        super(title);
        this.status = status;
        this.title = title;
        this.problems = List.copyOf(problems);
    }

    static ApiException badRequest(String where, String what, String fix) {
        return new ApiException(400, "Bad request", List.of(new Problem(where, what, fix)));
    }

    static ApiException notFound(String where, String what, String fix) {
        return new ApiException(404, "Not found", List.of(new Problem(where, what, fix)));
    }

    static ApiException conflict(String where, String what, String fix) {
        return new ApiException(409, "Conflict", List.of(new Problem(where, what, fix)));
    }

    static ApiException unauthorized(String what) {
        return new ApiException(
                401,
                "Unauthorized",
                List.of(
                        new Problem(
                                "Authorization header",
                                what,
                                "send 'Authorization: Bearer <token>' with the first admin token (written to the server's state directory on first start) or a token an admin issued with POST /api/tokens")));
    }

    static ApiException forbidden(String what, String fix) {
        return new ApiException(403, "Forbidden", List.of(new Problem("token scope", what, fix)));
    }

    int status() {
        return status;
    }

    String title() {
        return title;
    }

    List<Problem> problems() {
        return problems;
    }
}
