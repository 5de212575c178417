package dev.slipway.kube;

import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterFailureException;
import dev.slipway.core.manifest.ObjectRef;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.Optional;

/** Turns fabric8's exceptions into failures a user can act on, naming the cluster. */
final class ApiErrors {
    private ApiErrors() {}

    static ClusterFailureException translate(String cluster, Optional<ObjectRef> object, KubernetesClientException e) {
        int code = e.getCode();
        if (code == 401 || code == 403) {
            return new ClusterFailureException(ClusterFailure.credentialsRejected(cluster, code), e);
        }
        if (code <= 0 && isConnectionProblem(e)) {
            return new ClusterFailureException(ClusterFailure.unreachable(cluster, rootMessage(e)), e);
        }
        String detail = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : rootMessage(e);
        return new ClusterFailureException(ClusterFailure.apiError(cluster, object, detail), e);
    }

    static boolean isConnectionProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message; fabric8 wraps transport errors several times. */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
