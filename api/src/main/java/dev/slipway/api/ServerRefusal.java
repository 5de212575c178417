package dev.slipway.api;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.util.List;

/**
 * A request the server refused (HTTP 4xx or 5xx), with its problems and the status, so a client can tell "there is
 * none" (404) from "not now" (409) and "not with this token" (403) without reading the words.
 */
public final class ServerRefusal extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public ServerRefusal(int status, List<Problem> problems) {
        super(problems);
        this.status = status;
    }

    /** The HTTP status the server answered. */
    public int status() {
        return status;
    }
}
