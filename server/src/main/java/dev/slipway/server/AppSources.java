package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.deploy.EnvironmentRef;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.store.AppRecord;
import dev.slipway.store.LabRecord;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads what a deploy needs from disk each time (the app's directory, the clusters file), so an operator's edit
 * takes effect on the next deploy without a restart.
 */
final class AppSources {

    private final Optional<Path> clustersFile;

    AppSources(Optional<Path> clustersFile) {
        this.clustersFile = clustersFile;
    }

    App load(AppRecord app) {
        return AppLoader.load(Path.of(app.directory()));
    }

    /** Whether this server has clusters; without, labs run on the local backend and environments cannot deploy. */
    boolean hasClusters() {
        return clustersFile.isPresent();
    }

    ClustersConfig clusters() {
        return ClustersConfigLoader.load(clustersFile.orElseThrow(AppSources::noClusters));
    }

    /** Why something that needs clusters is refused by a server started without a clusters file. */
    static InvalidInputException noClusters() {
        return new InvalidInputException(new Problem(
                "clusters file",
                "this server runs without a clusters file, so it runs labs on its own machine and cannot deploy"
                        + " environments",
                "start the server with --clusters FILE to deploy environments to clusters"));
    }

    /**
     * A lab as the environment backend deploys and tears it down: its own environment and namespace, in the lab
     * group (the app's own setting, else the group of the first environment {@code app} declares, if any).
     */
    EnvironmentRef labRef(AppRecord record, LabRecord lab, App app) {
        Optional<String> group = record.labGroup()
                .or(() ->
                        app.spec().environments().values().stream().findFirst().map(EnvironmentSpec::group));
        return EnvironmentRef.lab(record.name(), labEnvironment(lab), group, lab.namespace(), lab.slug());
    }

    /** As {@link #labRef(AppRecord, LabRecord, App)} with the app as its registered directory holds it now. */
    EnvironmentRef labRef(AppRecord record, LabRecord lab) {
        return labRef(record, lab, load(record));
    }

    /** An ordinary environment's group and namespace, for rollback, status and history. */
    EnvironmentTarget target(AppRecord record, String environment) {
        App app = load(record);
        EnvironmentSpec spec = app.spec()
                .environment(environment)
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        "environment",
                        "app " + record.name() + " has no environment '" + environment + "'",
                        "use one of " + app.spec().environments().keySet())));
        return new EnvironmentTarget(record.name(), environment, group(spec.group()), spec.namespace());
    }

    ClusterGroup group(String name) {
        ClustersConfig clusters = clusters();
        return clusters.group(name)
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        clustersFile.map(Path::toString).orElse("clusters file"),
                        "no cluster group '" + name + "'",
                        "add it to the clusters file or change the app's lab group")));
    }

    /** The environment name a lab's revisions and labels are recorded under. */
    static String labEnvironment(LabRecord lab) {
        String name = "lab-" + lab.slug();
        return name.length() <= 63 ? name : name.substring(0, 63).replaceAll("-+$", "");
    }
}
