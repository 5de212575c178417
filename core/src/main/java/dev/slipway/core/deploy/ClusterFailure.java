package dev.slipway.core.deploy;

import dev.slipway.core.Problem;
import dev.slipway.core.manifest.ObjectRef;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Why a cluster could not be deployed (or read), phrased for the user: which cluster, which object, what
 * happened and what to do. Never carries secret names or values.
 *
 * @param cluster the cluster
 * @param reason the closed set of things that go wrong
 * @param object the object concerned, when one is
 * @param message what happened, in one sentence
 * @param hint what the user can do
 */
public record ClusterFailure(String cluster, Reason reason, Optional<ObjectRef> object, String message, String hint) {

    /** What kind of failure; scripts may branch on it through {@code --output json}. */
    public enum Reason {
        UNKNOWN_CONTEXT,
        UNREACHABLE,
        CREDENTIALS_REJECTED,
        LOCKED,
        /** A deploy freeze holds the environment on this cluster. */
        FROZEN,
        CONFLICT,
        APPLY_REJECTED,
        UNHEALTHY,
        TIMED_OUT,
        NO_SUCH_REVISION,
        RELEASES_DIFFER,
        API_ERROR
    }

    public ClusterFailure {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(hint, "hint");
    }

    public static ClusterFailure unknownContext(String cluster, String context) {
        return new ClusterFailure(
                cluster,
                Reason.UNKNOWN_CONTEXT,
                Optional.empty(),
                "kubeconfig has no context named '" + context + "'",
                "add the context to your kubeconfig ($KUBECONFIG or --kubeconfig) or fix 'context' in the clusters file");
    }

    public static ClusterFailure unreachable(String cluster, String detail) {
        return new ClusterFailure(
                cluster,
                Reason.UNREACHABLE,
                Optional.empty(),
                "cannot reach the API server (" + detail + ")",
                "check the network/VPN and the server address of this cluster's kubeconfig context; nothing was changed");
    }

    /** 401: the credentials are invalid or expired; 403: they are valid but not allowed to do this. */
    public static ClusterFailure credentialsRejected(String cluster, int httpStatus) {
        boolean forbidden = httpStatus == 403;
        return new ClusterFailure(
                cluster,
                Reason.CREDENTIALS_REJECTED,
                Optional.empty(),
                forbidden
                        ? "the API server refused the kubeconfig credentials access (HTTP 403)"
                        : "the API server rejected the kubeconfig credentials (HTTP " + httpStatus + ")",
                (forbidden
                                ? "ask for permission to manage the environment's namespace on this cluster"
                                : "log in again or refresh the credentials of this cluster's kubeconfig context"
                                        + " (they may have expired)")
                        + "; nothing was changed");
    }

    public static ClusterFailure locked(String cluster, String holder, Instant since, Instant expires) {
        return new ClusterFailure(
                cluster,
                Reason.LOCKED,
                Optional.empty(),
                "another deploy holds the lock: " + holder + " since " + since,
                "wait for it to finish; the lock expires at " + expires + " if that deploy died");
    }

    public static ClusterFailure conflict(String cluster, ObjectRef object, List<FieldConflict> conflicts) {
        String managers =
                conflicts.stream().map(FieldConflict::manager).distinct().collect(Collectors.joining(", "));
        String fields = conflicts.stream().map(FieldConflict::toString).collect(Collectors.joining(", "));
        return new ClusterFailure(
                cluster,
                Reason.CONFLICT,
                Optional.of(object),
                "fields are owned by another field manager (" + managers + "): " + fields,
                "remove those fields from the manifest, or redeploy with --force-conflicts to take them over");
    }

    public static ClusterFailure rejected(String cluster, ObjectRef object, String reason) {
        return new ClusterFailure(
                cluster,
                Reason.APPLY_REJECTED,
                Optional.of(object),
                "the API server rejected the object: " + reason,
                "fix the manifest and deploy again");
    }

    public static ClusterFailure unhealthy(String cluster, ObjectHealth health) {
        return new ClusterFailure(
                cluster,
                Reason.UNHEALTHY,
                Optional.of(health.ref()),
                "did not become healthy: " + health.message(),
                "inspect it with kubectl describe; fix and deploy again, or roll back");
    }

    /** The first object still not healthy is named; the others are counted. */
    public static ClusterFailure timedOut(String cluster, List<ObjectHealth> pending, java.time.Duration timeout) {
        String others = pending.size() > 1 ? " (and " + (pending.size() - 1) + " more not healthy)" : "";
        return new ClusterFailure(
                cluster,
                Reason.TIMED_OUT,
                pending.isEmpty()
                        ? Optional.empty()
                        : Optional.of(pending.get(0).ref()),
                "not healthy after " + timeout.toSeconds() + "s"
                        + (pending.isEmpty() ? "" : ": " + pending.get(0).message()) + others,
                "raise --timeout if it is just slow, else inspect it with kubectl describe");
    }

    public static ClusterFailure noSuchRevision(String cluster, String what) {
        return new ClusterFailure(
                cluster,
                Reason.NO_SUCH_REVISION,
                Optional.empty(),
                what,
                "list the recorded revisions and their releases with 'slipway history'; nothing was changed");
    }

    /** {@code rollback --to N} where revision N is another release here than on another cluster of the group. */
    public static ClusterFailure releasesDiffer(String cluster, String what) {
        return new ClusterFailure(
                cluster,
                Reason.RELEASES_DIFFER,
                Optional.empty(),
                what,
                "revision numbers differ between clusters after a halted deploy; name the release instead:"
                        + " slipway rollback --to RELEASE (releases are listed by 'slipway history'); nothing was"
                        + " changed");
    }

    public static ClusterFailure apiError(String cluster, Optional<ObjectRef> object, String detail) {
        return new ClusterFailure(
                cluster,
                Reason.API_ERROR,
                object,
                "the API server failed: " + detail,
                "retry; if it persists check the cluster");
    }

    /** What happened, naming the object first when there is one: one line without the cluster or the hint. */
    public String aboutObject() {
        return object.map(o -> o + ": ").orElse("") + message;
    }

    /** The failure as a user-facing problem located at the cluster (and object). */
    public Problem toProblem() {
        String where = "cluster " + cluster + object.map(o -> ", " + o).orElse("");
        return new Problem(where, message, hint);
    }
}
