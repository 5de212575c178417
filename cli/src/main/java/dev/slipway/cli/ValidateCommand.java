package dev.slipway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.render.RenderedCluster;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.Durations;
import dev.slipway.core.spec.EnvironmentSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway validate}: every problem of an app, offline, before anyone deploys it. */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Checks an app directory: slipway.yaml, every manifest, names, duplicates, annotations.",
            "",
            "With a clusters file (--clusters, $SLIPWAY_CLUSTERS or ~/.config/slipway/clusters.yaml) it also"
                    + " renders every environment for every cluster of its group, so bad overrides and"
                    + " unknown clusters are caught too. Never contacts a cluster."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway validate examples/acme-web --clusters examples/clusters.yaml",
            "  slipway validate . --output json | jq .problems"
        })
final class ValidateCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The app directory.")
    Path directory;

    @Mixin
    OutputOptions output;

    @Mixin
    ClusterOptions clusterOptions;

    @Override
    public Integer call() {
        CliContext context = root.context();
        try {
            return validate(context);
        } catch (InvalidInputException e) {
            if (!output.json()) {
                throw e;
            }
            ObjectNode doc = Output.object();
            doc.put("valid", false);
            doc.set("problems", Output.problems(e.problems()));
            spec.commandLine().getOut().println(Output.json(doc));
            return ExitCodes.USER_ERROR;
        }
    }

    private int validate(CliContext context) {
        App app = AppLoader.load(context.resolve(directory));
        List<Rendering> renderings = new ArrayList<>();
        boolean checkedClusters = clusterOptions.clustersAvailable(context);
        if (checkedClusters) {
            ClustersConfig clusters = clusterOptions.load(context);
            Renderer renderer = new Renderer(SecretSource.REDACTED);
            List<Problem> problems = new ArrayList<>();
            for (String env : app.spec().environments().keySet()) {
                try {
                    renderings.add(renderer.render(app, env, clusters));
                } catch (InvalidInputException e) {
                    e.problems().stream()
                            .map(p -> new Problem(p.where(), "environment " + env + ": " + p.what(), p.fix()))
                            .forEach(problems::add);
                }
            }
            if (!problems.isEmpty()) {
                throw new InvalidInputException(problems);
            }
        }
        var out = spec.commandLine().getOut();
        if (output.json()) {
            ObjectNode doc = Output.object();
            doc.put("valid", true);
            doc.put("app", app.spec().app());
            doc.put("objects", app.manifests().size());
            doc.put("services", app.spec().services().size());
            doc.put("clustersChecked", checkedClusters);
            ArrayNode envs = doc.putArray("environments");
            for (EnvironmentSpec env : app.spec().environments().values()) {
                ObjectNode e = envs.addObject()
                        .put("name", env.name())
                        .put("group", env.group())
                        .put("namespace", env.namespace());
                env.rollout().ifPresent(r -> {
                    ObjectNode ro = e.putObject("rollout");
                    ArrayNode steps = ro.putArray("steps");
                    r.steps().forEach(step -> {
                        ObjectNode st = steps.addObject().put("stage", step.stage());
                        step.hold().ifPresent(h -> st.put("for", Durations.format(h)));
                    });
                    ObjectNode an = ro.putObject("analysis")
                            .put("interval", Durations.format(r.analysis().interval()))
                            .put("minRequests", r.analysis().minRequests())
                            .put("maxErrorRate", r.analysis().maxErrorRatePercent())
                            .put("maxP99Ratio", r.analysis().maxP99Ratio());
                    r.analysis().maxP99().ifPresent(p -> an.put("maxP99", Durations.format(p)));
                    ro.put("clusters", r.clusters().yaml());
                });
                renderings.stream()
                        .filter(r -> r.environment().equals(env.name()))
                        .findFirst()
                        .ifPresent(r -> {
                            ArrayNode cs = e.putArray("clusters");
                            for (RenderedCluster c : r.clusters()) {
                                cs.addObject()
                                        .put("name", c.cluster().name())
                                        .put("objects", c.objects().size());
                            }
                        });
            }
            out.println(Output.json(doc));
            return ExitCodes.OK;
        }
        out.println(app.spec().app() + ": valid (" + app.manifests().size() + " manifests, "
                + app.spec().services().size() + " services)");
        for (EnvironmentSpec env : app.spec().environments().values()) {
            StringBuilder line =
                    new StringBuilder("  " + env.name() + " → group " + env.group() + ", namespace " + env.namespace());
            renderings.stream()
                    .filter(r -> r.environment().equals(env.name()))
                    .findFirst()
                    .ifPresent(r -> {
                        line.append(": ");
                        List<String> parts = new ArrayList<>();
                        for (RenderedCluster c : r.clusters()) {
                            parts.add(c.cluster().name() + " " + c.objects().size() + " objects");
                        }
                        line.append(String.join(", ", parts));
                    });
            out.println(line);
            env.rollout().ifPresent(r -> {
                out.println("    rollout (" + r.clusters().yaml() + "): " + r.describeSteps());
                out.println("    analysis: " + r.analysis().describe());
            });
        }
        if (!checkedClusters) {
            out.println("  (no clusters file found: per-cluster annotations were not checked; pass --clusters FILE)");
        }
        return ExitCodes.OK;
    }
}
