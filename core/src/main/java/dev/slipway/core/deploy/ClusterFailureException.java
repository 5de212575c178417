package dev.slipway.core.deploy;

/**
 * Thrown by a {@link ClusterTarget} when the cluster cannot be talked to (unreachable, credentials rejected,
 * unknown context, API error); the engine turns it into a {@link ClusterFailure} in its report.
 */
public class ClusterFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ClusterFailure failure;

    public ClusterFailureException(ClusterFailure failure) {
        super(failure.toProblem().describe());
        this.failure = failure;
    }

    public ClusterFailureException(ClusterFailure failure, Throwable cause) {
        super(failure.toProblem().describe(), cause);
        this.failure = failure;
    }

    public ClusterFailure failure() {
        return failure;
    }
}
