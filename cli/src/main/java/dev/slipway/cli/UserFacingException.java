package dev.slipway.cli;

/** A failure the user can act on, raised by a command itself; backends throw the core type it extends. */
public class UserFacingException extends dev.slipway.core.UserFacingException {
    private static final long serialVersionUID = 1L;

    public UserFacingException(String message) {
        super(message);
    }

    public UserFacingException(String message, Throwable cause) {
        super(message, cause);
    }
}
