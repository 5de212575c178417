package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.deploy.ClusterStatus;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.HealthState;
import dev.slipway.core.deploy.StatusDocument;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway status}: what runs where, and whether it is healthy, read from the clusters themselves. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Shows the current revision and object health on each cluster.",
            "",
            "Per cluster of the environment's group: the current revision (ref, who, when, outcome) and the"
                    + " health of each of its objects, and the objects someone changed live since Slipway applied"
                    + " them (drifted: the fields and the field manager that changed them; the next deploy"
                    + " repairs them). Reads only.",
            "",
            "The environment's group and namespace come from the app's slipway.yaml (--app-dir, default: the"
                    + " current directory); with --server the server reads its clusters and adds its latest deploy."
                    + " Exit code 1 when a cluster is unreachable, an object is not healthy or (through a server)"
                    + " the latest deploy failed."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway status acme-web --env production --app-dir examples/acme-web --all",
            "  slipway status acme-web --env production --output json | jq '.clusters[].healthy'",
            "  slipway status acme-web --env production --server https://slipway.internal:7420"
        })
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "APP", description = "App name, as in slipway.yaml.")
    String app;

    @Mixin
    EnvironmentOptions env;

    @Mixin
    OutputOptions output;

    @Option(names = "--all", description = "List every object, not only those that are not healthy.")
    boolean all;

    @Mixin
    ColorOptions colorOptions;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = root.context();
        Ansi ansi = colorOptions.ansi(context);
        if (server.enabled(context)) {
            return ThroughServer.status(
                    server.connect(context),
                    server.server(context).orElseThrow(),
                    app,
                    env.environment,
                    output.format,
                    all,
                    ThroughServer.printers(spec, ansi));
        }
        EnvironmentTarget target = Engines.target(context, app, env.environment, env.appDir, env.clusters);
        List<ClusterStatus> statuses = Engines.open(context, env.clusters).status(target);
        ObjectNode doc = StatusDocument.of(target, statuses);
        var out = spec.commandLine().getOut();
        if (output.json()) {
            out.println(Output.json(doc));
        } else {
            out.println(app + " in " + target.environment() + " (namespace " + target.namespace() + ", group "
                    + target.group().name() + ")");
            printClusters(doc, all, ansi, out);
        }
        return doc.path("healthy").asBoolean() ? ExitCodes.OK : ExitCodes.USER_ERROR;
    }

    /** Each cluster of a status document: its revision, how many objects are healthy, and those that are not. */
    static void printClusters(JsonNode doc, boolean all, Ansi ansi, PrintWriter out) {
        for (JsonNode c : doc.path("clusters")) {
            String head = ansi.string("@|bold " + c.path("cluster").asText() + "|@") + ": ";
            JsonNode unavailable = c.path("unavailable");
            if (unavailable.isObject()) {
                out.println(head + ansi.string("@|red unavailable|@") + ": "
                        + unavailable.path("message").asText());
                out.println("  hint: " + unavailable.path("hint").asText());
                continue;
            }
            JsonNode r = c.path("revision");
            if (!r.isObject()) {
                out.println(head + "never deployed");
                continue;
            }
            JsonNode objects = c.path("objects");
            long ok = 0;
            for (JsonNode o : objects) {
                ok += o.path("state").asText().equals(HealthState.HEALTHY.label()) ? 1 : 0;
            }
            String health = ok == objects.size()
                    ? ansi.string("@|green healthy|@")
                    : ansi.string("@|yellow " + (objects.size() - ok) + " not healthy|@");
            String ref = r.path("ref").asText();
            // Clusters on different releases show it here: a halted deploy, to roll back or redeploy.
            String release = r.path("release").isTextual() ? r.path("release").asText() : "";
            long drifted = 0;
            for (JsonNode o : objects) {
                drifted += o.path("drifted").asBoolean() ? 1 : 0;
            }
            out.println(head + "revision " + r.path("number").asInt() + " ("
                    + r.path("outcome").asText() + ", " + r.path("who").asText() + ", "
                    + Instant.parse(r.path("when").asText()).truncatedTo(ChronoUnit.SECONDS)
                    + (release.isEmpty() ? "" : ", release " + release)
                    + (ref.isEmpty() ? "" : ", ref " + ref) + "), " + ok + "/" + objects.size() + " objects "
                    + health + (drifted == 0 ? "" : ", " + ansi.string("@|yellow " + drifted + " drifted|@")));
            if (!r.path("failure").asText().isEmpty()) {
                out.println("  failed: " + r.path("failure").asText());
            }
            for (JsonNode o : objects) {
                String state = o.path("state").asText();
                if (all || !state.equals(HealthState.HEALTHY.label())) {
                    String colour = state.equals(HealthState.PROGRESSING.label())
                            ? "yellow"
                            : state.equals(HealthState.FAILED.label()) ? "red" : "green";
                    String message = o.path("message").asText();
                    out.println("  " + ansi.string("@|" + colour + " " + state + "|@") + "  " + display(o)
                            + (message.isEmpty() ? "" : ": " + message));
                }
            }
            for (JsonNode o : objects) {
                if (o.path("drifted").asBoolean()) {
                    // Changed live since Slipway applied it; always listed, since the next deploy rewrites it.
                    List<String> fields = new java.util.ArrayList<>();
                    for (JsonNode f : o.path("drift")) {
                        String manager = f.path("manager").asText();
                        fields.add(f.path("path").asText() + (manager.isEmpty() ? "" : " (" + manager + ")"));
                    }
                    out.println("  " + ansi.string("@|yellow drifted|@") + "  " + display(o)
                            + (fields.isEmpty() ? "" : ": " + String.join(", ", fields)));
                }
            }
        }
    }

    private static String display(JsonNode o) {
        if (o.path("secret").asBoolean()) {
            return "Secret (secret)";
        }
        String group = o.path("group").asText();
        String kind = group.isEmpty() ? o.path("kind").asText() : o.path("kind").asText() + "." + group;
        return kind + "/" + o.path("name").asText();
    }
}
