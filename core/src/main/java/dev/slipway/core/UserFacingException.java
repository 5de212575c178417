package dev.slipway.core;

/**
 * A failure the user can act on (a failed rollout, a lock held, a local app that stopped), printed as its message
 * without a trace: a backend throws it where the problem has no file or field to point at.
 */
public class UserFacingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserFacingException(String message) {
        super(message);
    }

    public UserFacingException(String message, Throwable cause) {
        super(message, cause);
    }
}
