package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.manifest.Manifest;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.render.RenderedCluster;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway render}: the exact objects each cluster would receive, for review or other tools. */
@Command(
        name = "render",
        mixinStandardHelpOptions = true,
        description = {
            "Prints the exact objects each cluster of an environment receives.",
            "",
            "Overrides applied, slipway.dev annotations removed, namespace and labels set, in apply order.",
            "",
            "A Secret's data shows only how many values it holds, never their names or values; the secret store"
                    + " is not read. Never contacts a cluster."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway render examples/acme-web --env production --clusters examples/clusters.yaml",
            "  slipway render examples/acme-web --env production --cluster west-1 > west-1.yaml",
            "  slipway render . --env staging --output json | jq '.clusters[0].objects | length'"
        })
final class RenderCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The app directory.")
    Path directory;

    @Option(names = "--env", required = true, paramLabel = "ENV", description = "Environment, as in slipway.yaml.")
    String environment;

    @Option(names = "--cluster", paramLabel = "CLUSTER", description = "Only this cluster of the group.")
    String cluster;

    @Mixin
    OutputOptions output;

    @Mixin
    ClusterOptions clusterOptions;

    @Override
    public Integer call() {
        CliContext context = root.context();
        App app = AppLoader.load(context.resolve(directory));
        Rendering rendering =
                new Renderer(SecretSource.REDACTED).render(app, environment, clusterOptions.load(context));
        List<RenderedCluster> clusters = selected(rendering);
        var out = spec.commandLine().getOut();
        if (output.json()) {
            ObjectNode doc = Output.object();
            doc.put("app", app.spec().app());
            doc.put("environment", environment);
            doc.put("group", rendering.group().name());
            ArrayNode cs = doc.putArray("clusters");
            for (RenderedCluster c : clusters) {
                ObjectNode entry = cs.addObject();
                entry.put("cluster", c.cluster().name());
                entry.put("namespace", c.namespace());
                ArrayNode objects = entry.putArray("objects");
                c.objects().forEach(m -> objects.add(shown(m)));
            }
            out.println(Output.json(doc));
            return ExitCodes.OK;
        }
        for (RenderedCluster c : clusters) {
            out.println("# cluster " + c.cluster().name() + ", namespace " + c.namespace() + ": "
                    + c.objects().size() + " objects");
            for (Manifest m : c.objects()) {
                out.println("---");
                out.print(Output.yaml(shown(m)));
            }
        }
        return ExitCodes.OK;
    }

    /**
     * The object as printed: a Secret's {@code data} and {@code stringData} become a count, because the keys are
     * the secrets' names, which no output shows. The count is a string where Kubernetes wants a map, so piping
     * render into kubectl fails instead of overwriting real secrets with placeholders.
     */
    static ObjectNode shown(Manifest manifest) {
        if (!PlannedChange.isSecret(manifest.ref())) {
            return manifest.body();
        }
        ObjectNode body = manifest.body().deepCopy();
        for (String field : List.of("data", "stringData")) {
            JsonNode values = body.get(field);
            if (values != null && values.isObject()) {
                body.put(
                        field,
                        "(" + values.size() + " secret value" + (values.size() == 1 ? "" : "s")
                                + "; names and values not shown)");
            }
        }
        return body;
    }

    private List<RenderedCluster> selected(Rendering rendering) {
        if (cluster == null) {
            return rendering.clusters();
        }
        List<RenderedCluster> match = rendering.clusters().stream()
                .filter(c -> c.cluster().name().equals(cluster))
                .toList();
        if (match.isEmpty()) {
            throw new InvalidInputException(new Problem(
                    "--cluster",
                    "cluster '" + cluster + "' is not in group '"
                            + rendering.group().name() + "' of environment " + environment,
                    "use one of: "
                            + rendering.group().clusters().stream()
                                    .map(Cluster::name)
                                    .collect(Collectors.joining(", "))));
        }
        return match;
    }
}
