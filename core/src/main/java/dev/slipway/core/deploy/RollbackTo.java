package dev.slipway.core.deploy;

/** Which revision a rollback re-applies. */
public sealed interface RollbackTo {

    /** On each cluster, the newest successful revision older than the current one. */
    static RollbackTo previous() {
        return new Previous();
    }

    /** Revision {@code number} on every cluster (each cluster must still hold it). */
    static RollbackTo revision(int number) {
        return new Number(number);
    }

    /** See {@link #previous()}. */
    record Previous() implements RollbackTo {}

    /** See {@link #revision(int)}. */
    record Number(int number) implements RollbackTo {}
}
