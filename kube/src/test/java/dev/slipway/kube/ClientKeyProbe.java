package dev.slipway.kube;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.deploy.ClusterFailureException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Opens cluster {@code east-1} of a kubeconfig the way a deploy does and runs its preflight, in a JVM of its own
 * whose class path the test chooses (without BouncyCastle, as in the CLI's jar). Prints {@code ok} or the failure a
 * user would see, so the test reads the outcome from stdout.
 */
public final class ClientKeyProbe {
    private ClientKeyProbe() {}

    public static void main(String[] args) {
        Cluster cluster = new Cluster("east-1", "east-1", "east", List.of(), 1);
        try {
            KubeClusterTargets.fromKubeconfig(Optional.of(Path.of(args[0])))
                    .open(cluster)
                    .preflight("shop");
            System.out.println("ok");
        } catch (ClusterFailureException e) {
            System.out.println("failure: " + e.failure().toProblem().describe());
        }
    }
}
