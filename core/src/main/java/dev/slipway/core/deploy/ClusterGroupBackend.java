package dev.slipway.core.deploy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.render.RenderedCluster;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.revision.Revision;
import dev.slipway.core.revision.RevisionSummary;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppSpec;
import dev.slipway.core.spec.EnvironmentSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@link EnvironmentBackend} of cluster groups: renders the app for the environment (a lab gets its own
 * environment and namespace in the lab group) and deploys it with the {@link DeployEngine}; tears an environment
 * down by deleting what its last revision applied, its revision records, then its namespace, cluster by cluster.
 */
public final class ClusterGroupBackend implements EnvironmentBackend {

    private final Renderer renderer;
    private final Supplier<ClustersConfig> clusters;
    private final DeployEngine engine;
    private final ClusterTargets targets;

    /**
     * @param clusters the clusters file, read on every call so an operator's edit takes effect without a restart
     */
    public ClusterGroupBackend(
            Renderer renderer, Supplier<ClustersConfig> clusters, DeployEngine engine, ClusterTargets targets) {
        this.renderer = renderer;
        this.clusters = clusters;
        this.engine = engine;
        this.targets = targets;
    }

    @Override
    public DeployReport deploy(EnvironmentRef environment, App app, DeployOptions options, DeployListener listener) {
        App rendered = environment.lab().isPresent() ? inLab(app, environment) : app;
        Rendering rendering = renderer.render(rendered, environment.environment(), clusters.get());
        listener.deploying(rendering.clusters().stream()
                .map(RenderedCluster::cluster)
                .map(Cluster::name)
                .toList());
        return engine.deploy(rendering, options, listener);
    }

    /** The app with the lab added as an environment of its own: the lab group, the lab's namespace. */
    private static App inLab(App app, EnvironmentRef lab) {
        Map<String, EnvironmentSpec> environments =
                new LinkedHashMap<>(app.spec().environments());
        environments.put(
                lab.environment(),
                new EnvironmentSpec(
                        lab.environment(),
                        group(lab),
                        lab.namespace(),
                        app.spec().source()));
        AppSpec spec = new AppSpec(
                app.spec().app(),
                app.spec().manifests(),
                environments,
                app.spec().routeTimeout(),
                app.spec().services(),
                app.spec().source());
        return new App(app.directory(), spec, app.manifests());
    }

    private static String group(EnvironmentRef environment) {
        return environment
                .group()
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        "slipway.yaml",
                        "app " + environment.app() + " has no environment to take a lab group from",
                        "register the app with a labGroup")));
    }

    /**
     * Deletes the objects Slipway applied (read from the newest revision, in reverse apply order), the revision
     * records, then the namespace, on every cluster of the group. The objects are deleted one by one because not
     * every API server cascades a namespace deletion (the test one does not).
     *
     * @throws ClusterFailureException (or the client's exception) when a cluster cannot be reached
     */
    @Override
    public String tearDown(EnvironmentRef environment) {
        String name = group(environment);
        ClusterGroup group = clusters.get()
                .group(name)
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        "clusters file",
                        "no cluster group '" + name + "'",
                        "add it to the clusters file or change the app's lab group")));
        AppEnvironment on = environment.on();
        for (Cluster cluster : group.clusters()) {
            try (ClusterTarget target = targets.open(cluster)) {
                target.preflight(on.namespace());
                if (!target.namespaceExists(on.namespace())) {
                    continue;
                }
                List<RevisionSummary> revisions = target.revisions(on);
                if (!revisions.isEmpty()) {
                    List<ObjectNode> objects =
                            new ArrayList<>(target.revision(on, revisions.get(0).number())
                                    .map(Revision::objects)
                                    .orElse(List.of()));
                    Collections.reverse(objects);
                    for (ObjectNode object : objects) {
                        if (!"Namespace".equals(object.path("kind").asText())) {
                            target.delete(object);
                        }
                    }
                }
                for (RevisionSummary revision : revisions) {
                    target.forget(on, revision.number());
                }
                target.delete(namespace(on.namespace()));
            }
        }
        return "namespace " + on.namespace() + " deleted";
    }

    private static ObjectNode namespace(String name) {
        ObjectNode namespace =
                JsonNodeFactory.instance.objectNode().put("apiVersion", "v1").put("kind", "Namespace");
        namespace.putObject("metadata").put("name", name);
        return namespace;
    }
}
