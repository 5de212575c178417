package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
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
        return options.load(context).clustersOf(groupName());
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
