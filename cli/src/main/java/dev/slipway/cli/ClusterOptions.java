package dev.slipway.cli;

import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.cluster.ClustersConfigLoader;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the cluster groups and the credentials to reach them come from; flags win over the environment. */
final class ClusterOptions {
    @Option(
            names = "--clusters",
            paramLabel = "FILE",
            description = "Clusters file defining the cluster groups (default: $SLIPWAY_CLUSTERS, else"
                    + " ~/.config/slipway/clusters.yaml).")
    Path clustersFile;

    @Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description = "kubeconfig holding the clusters' contexts (default: $KUBECONFIG, else ~/.kube/config).")
    Path kubeconfig;

    ClustersConfig load(CliContext context) {
        Path file = ClustersConfigLoader.locate(
                Optional.ofNullable(clustersFile).map(context::resolve), context.env(), context.home());
        return ClustersConfigLoader.load(context.resolve(file));
    }

    /** Whether a clusters file was named explicitly or exists at the default place. */
    boolean clustersAvailable(CliContext context) {
        return clustersFile != null
                || context.envValue(ClustersConfigLoader.ENV_VAR).isPresent()
                || java.nio.file.Files.isRegularFile(context.paths().clustersFile());
    }

    /** The kubeconfig file: --kubeconfig, else the first of $KUBECONFIG, else ~/.kube/config. */
    Path kubeconfigFile(CliContext context) {
        if (kubeconfig != null) {
            return context.resolve(kubeconfig);
        }
        return context.envValue("KUBECONFIG")
                .map(v -> v.split(java.io.File.pathSeparator)[0])
                .map(Path::of)
                .map(context::resolve)
                .orElse(context.home().resolve(".kube").resolve("config"));
    }
}
