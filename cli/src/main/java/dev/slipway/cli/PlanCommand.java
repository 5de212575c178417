package dev.slipway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.plan.ChangeAction;
import dev.slipway.core.plan.ClusterPlan;
import dev.slipway.core.plan.DriftedField;
import dev.slipway.core.plan.Plan;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.secrets.SecretStore;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway plan}: what a deploy would change, cluster by cluster, before anything is written. */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description = {
            "Shows what a deploy would change on each cluster, before anything is written.",
            "",
            "Per cluster of the environment's group: objects to create, to update (with a YAML diff), that"
                    + " drifted (changed live by someone else since Slipway applied them: the fields, the field"
                    + " manager that changed them, and a diff; a deploy re-applies them), to delete (prune), and"
                    + " how many are unchanged.",
            "",
            "Reads the clusters, writes nothing. Secrets show only as (secret, changed): never their names or"
                    + " values. Colors on a terminal or with --color."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway plan examples/acme-web --env production --clusters examples/clusters.yaml",
            "  slipway plan . --env staging --output json | jq '.clusters[].summary'"
        })
final class PlanCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The app directory.")
    Path directory;

    @Option(names = "--env", required = true, paramLabel = "ENV", description = "Environment, as in slipway.yaml.")
    String environment;

    @Mixin
    OutputOptions output;

    @Mixin
    ClusterOptions clusterOptions;

    @Mixin
    SecretStoreOptions storeOptions;

    @Mixin
    ColorOptions colorOptions;

    @Override
    public Integer call() {
        CliContext context = root.context();
        App app = AppLoader.load(context.resolve(directory));
        SecretStore store = storeOptions.open(context);
        // Real secret values (never shown) so the plan compares what a deploy would really apply.
        Rendering rendering = new Renderer(store.forApp(app)).render(app, environment, clusterOptions.load(context));
        Plan plan = Engines.open(context, clusterOptions).plan(rendering);
        var out = spec.commandLine().getOut();
        if (output.json()) {
            out.println(Output.json(json(plan)));
        } else {
            out.print(plan.describe(colorOptions.ansi(context) == Ansi.ON));
            out.println(
                    plan.hasChanges()
                            ? "Deploy with: slipway deploy " + directory + " --env " + environment
                            : "Nothing to deploy: every cluster is up to date.");
        }
        return ExitCodes.OK;
    }

    static ObjectNode json(Plan plan) {
        ObjectNode doc = Output.object();
        doc.put("app", plan.app());
        doc.put("environment", plan.environment());
        doc.put("hasChanges", plan.hasChanges());
        ArrayNode clusters = doc.putArray("clusters");
        for (ClusterPlan c : plan.clusters()) {
            ObjectNode entry = clusters.addObject();
            entry.put("cluster", c.cluster());
            entry.put("namespace", c.namespace());
            entry.put("namespaceExists", c.namespaceExists());
            if (c.currentRevision().isPresent()) {
                entry.put("currentRevision", c.currentRevision().getAsInt());
            } else {
                entry.putNull("currentRevision");
            }
            entry.put("hasChanges", c.hasChanges());
            ObjectNode summary = entry.putObject("summary");
            for (ChangeAction action : ChangeAction.values()) {
                summary.put(action.name().toLowerCase(Locale.ROOT), c.count(action));
            }
            ArrayNode changes = entry.putArray("changes");
            for (PlannedChange change : c.changes()) {
                ObjectNode ch = changes.addObject();
                ch.put("action", change.action().name().toLowerCase(Locale.ROOT));
                ch.put("kind", change.ref().kind());
                ch.put("group", change.ref().group());
                if (change.secret()) {
                    // A secret's name is user data too: plans show that it changed, not what it is called.
                    ch.put("secret", true);
                } else {
                    ch.put("name", change.ref().name());
                    ch.put("namespace", change.ref().namespace());
                    if (!change.diff().isEmpty()) {
                        ch.put("diff", change.diff());
                    }
                    if (!change.drift().isEmpty()) {
                        ArrayNode drift = ch.putArray("drift");
                        for (DriftedField f : change.drift()) {
                            drift.addObject()
                                    .put("path", f.path())
                                    .put("manager", f.manager())
                                    .put("claimedByApplier", f.claimedByApplier());
                        }
                    }
                }
            }
        }
        return doc;
    }
}
