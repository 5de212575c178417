package dev.slipway.cli;

/** A failure the user can act on (failed rollout, lock held, unreachable cluster); printed without a trace. */
public class UserFacingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserFacingException(String message) {
        super(message);
    }

    public UserFacingException(String message, Throwable cause) {
        super(message, cause);
    }
}
