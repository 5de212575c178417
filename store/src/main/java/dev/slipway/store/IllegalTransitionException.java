package dev.slipway.store;

/** Thrown when a deploy would move to a state its current state does not lead to (say, finishing one twice). */
public final class IllegalTransitionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public IllegalTransitionException(long deployId, String detail) {
        super("deploy " + deployId + ": " + detail);
    }
}
