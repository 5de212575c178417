package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.AppSpec;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.store.AppRecord;
import dev.slipway.store.LabRecord;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what a deploy needs from disk each time (the app's directory, the clusters file), so an operator's edit
 * takes effect on the next deploy without a restart.
 */
final class AppSources {

    private final Optional<Path> clustersFile;
    private final Renderer renderer;

    AppSources(Optional<Path> clustersFile, Renderer renderer) {
        this.clustersFile = clustersFile;
        this.renderer = renderer;
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

    /** The app as {@code directory} (the registered directory, or a commit of it) holds it. */
    Rendering render(AppRecord record, String environment, Path directory) {
        return renderer.render(AppLoader.load(directory), environment, clusters());
    }

    /** The app rendered into the lab's own environment: the lab group, the lab's namespace. */
    Rendering renderLab(AppRecord record, LabRecord lab, Path directory) {
        App app = AppLoader.load(directory);
        String group = labGroup(record, app);
        String environment = labEnvironment(lab);
        Map<String, EnvironmentSpec> environments =
                new LinkedHashMap<>(app.spec().environments());
        environments.put(
                environment,
                new EnvironmentSpec(
                        environment, group, lab.namespace(), app.spec().source()));
        AppSpec spec = new AppSpec(
                app.spec().app(),
                app.spec().manifests(),
                environments,
                app.spec().routeTimeout(),
                app.spec().services(),
                app.spec().source());
        return renderer.render(new App(app.directory(), spec, app.manifests()), environment, clusters());
    }

    /** Where a lab lives, for teardown and status. */
    EnvironmentTarget labTarget(AppRecord record, LabRecord lab) {
        ClusterGroup group = group(labGroup(record, load(record)));
        return new EnvironmentTarget(record.name(), labEnvironment(lab), group, lab.namespace());
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

    /** The lab group: the app's own setting, else the group of its first environment. */
    static String labGroup(AppRecord record, App app) {
        return record.labGroup()
                .orElseGet(() -> app.spec().environments().values().stream()
                        .findFirst()
                        .map(EnvironmentSpec::group)
                        .orElseThrow(() -> new InvalidInputException(new Problem(
                                "slipway.yaml",
                                "app " + record.name() + " has no environment to take a lab group from",
                                "register the app with a labGroup"))));
    }

    /** The environment name a lab's revisions and labels are recorded under. */
    static String labEnvironment(LabRecord lab) {
        String name = "lab-" + lab.slug();
        return name.length() <= 63 ? name : name.substring(0, 63).replaceAll("-+$", "");
    }
}
