package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.deploy.ClusterFailure;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --all-apps [--group G]}: a freeze of an environment name for every app, instead of one app's. */
final class EveryAppOptions {
    @Option(
            names = "--all-apps",
            description = "The environment for every app at once, on every cluster of the clusters file (or of"
                    + " --group), instead of APP's.")
    boolean allApps;

    @Option(
            names = "--group",
            paramLabel = "GROUP",
            description = "With --all-apps: only the clusters of this group of the clusters file.")
    String group;

    Optional<String> groupName() {
        return Optional.ofNullable(group);
    }

    /** Exactly one of APP and --all-apps; --group only with --all-apps. */
    void check(String app, String command) {
        if (allApps && app != null) {
            throw new InvalidInputException(new Problem(
                    command + " " + app + " --all-apps",
                    "names an app and every app",
                    "drop APP to " + command + " the environment for every app, or drop --all-apps for " + app
                            + "'s alone"));
        }
        if (!allApps && app == null) {
            throw new InvalidInputException(new Problem(
                    command,
                    "no app named",
                    "name the app (slipway " + command + " APP --env ENV), or pass --all-apps for every app"));
        }
        if (!allApps && group != null) {
            throw new InvalidInputException(new Problem(
                    "--group " + group,
                    "only goes with --all-apps",
                    "an app's freeze is kept on its environment's group, from its slipway.yaml"));
        }
    }

    /** The clusters an every-app freeze is kept on: the group's, or every cluster of the clusters file. */
    List<Cluster> clusters(CliContext context, ClusterOptions options) {
        return clustersOf(options.load(context), group);
    }

    /** Every cluster of {@code config}, or ({@code group} not null) that group's, refused naming the groups. */
    static List<Cluster> clustersOf(ClustersConfig config, String group) {
        if (group == null) {
            return config.allClusters();
        }
        return config.group(group)
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        config.source().toString(),
                        "no cluster group '" + group + "' (this clusters file defines: "
                                + String.join(", ", config.groups().keySet()) + ")",
                        "pass one of those with --group, or drop --group for every cluster")))
                .clusters();
    }

    /** What was done where; fails naming the clusters that were missed. */
    static int report(PrintWriter out, List<Cluster> clusters, List<ClusterFailure> missed, String done) {
        if (!missed.isEmpty()) {
            throw new InvalidInputException(
                    missed.stream().map(ClusterFailure::toProblem).toList());
        }
        out.println(done + " (on "
                + String.join(", ", clusters.stream().map(Cluster::name).toList()) + ")");
        return ExitCodes.OK;
    }
}
