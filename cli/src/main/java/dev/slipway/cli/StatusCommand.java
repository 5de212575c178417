package dev.slipway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterStatus;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.HealthState;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.core.plan.PlannedChange;
import dev.slipway.core.revision.RevisionSummary;
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
                    + " health of each of its objects. Reads only.",
            "",
            "The environment's group and namespace come from the app's slipway.yaml (--app-dir, default: the"
                    + " current directory). Exit code 1 when a cluster is unreachable or an object is not"
                    + " healthy."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway status acme-web --env production --app-dir examples/acme-web --all",
            "  slipway status acme-web --env production --output json | jq '.clusters[].healthy'"
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

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Option(names = "--all", description = "List every object, not only those that are not healthy.")
    boolean all;

    @Mixin
    ColorOptions colorOptions;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = root.context();
        if (server.enabled(context)) {
            if (all) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(),
                        "--all lists object health, which only the direct mode reads: drop --server");
            }
            return ThroughServer.status(
                    server.connect(context),
                    server.server(context).orElseThrow(),
                    app,
                    env.environment,
                    output,
                    ThroughServer.printers(spec, colorOptions.ansi(context)));
        }
        EnvironmentTarget target = Engines.target(context, app, env.environment, env.appDir, env.clusters);
        List<ClusterStatus> statuses = Engines.open(context, env.clusters).status(target);
        boolean healthy = statuses.stream().allMatch(ClusterStatus::healthy);
        var out = spec.commandLine().getOut();
        if (output == OutputFormat.json) {
            out.println(Output.json(json(target, statuses, healthy)));
        } else {
            Ansi ansi = colorOptions.ansi(context);
            out.println(app + " in " + target.environment() + " (namespace " + target.namespace() + ", group "
                    + target.group().name() + ")");
            statuses.forEach(s -> printCluster(s, ansi, out));
        }
        return healthy ? ExitCodes.OK : ExitCodes.USER_ERROR;
    }

    private void printCluster(ClusterStatus s, Ansi ansi, java.io.PrintWriter out) {
        String head = ansi.string("@|bold " + s.cluster() + "|@") + ": ";
        if (s.unavailable().isPresent()) {
            ClusterFailure f = s.unavailable().get();
            out.println(head + ansi.string("@|red unavailable|@") + ": " + f.message());
            out.println("  hint: " + f.hint());
            return;
        }
        if (s.current().isEmpty()) {
            out.println(head + "never deployed");
            return;
        }
        RevisionSummary r = s.current().get();
        long ok = s.objects().stream()
                .filter(o -> o.state() == HealthState.HEALTHY)
                .count();
        String health = ok == s.objects().size()
                ? ansi.string("@|green healthy|@")
                : ansi.string("@|yellow " + (s.objects().size() - ok) + " not healthy|@");
        out.println(head + "revision " + r.number() + " (" + r.outcome().label() + ", " + r.who() + ", "
                + r.when().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + (r.ref().isEmpty() ? "" : ", ref " + r.ref()) + "), " + ok + "/"
                + s.objects().size()
                + " objects " + health);
        for (ObjectHealth o : s.objects()) {
            if (all || o.state() != HealthState.HEALTHY) {
                String colour = switch (o.state()) {
                    case HEALTHY -> "green";
                    case PROGRESSING -> "yellow";
                    case FAILED -> "red";
                };
                out.println("  " + ansi.string("@|" + colour + " " + o.state().label() + "|@") + "  " + display(o)
                        + (o.message().isEmpty() ? "" : ": " + o.message()));
            }
        }
    }

    private static String display(ObjectHealth o) {
        if (PlannedChange.isSecret(o.ref())) {
            return "Secret (secret)";
        }
        String kind = o.ref().group().isEmpty()
                ? o.ref().kind()
                : o.ref().kind() + "." + o.ref().group();
        return kind + "/" + o.ref().name();
    }

    private static ObjectNode json(EnvironmentTarget target, List<ClusterStatus> statuses, boolean healthy) {
        ObjectNode doc = Output.object();
        doc.put("app", target.app());
        doc.put("environment", target.environment());
        doc.put("namespace", target.namespace());
        doc.put("group", target.group().name());
        doc.put("healthy", healthy);
        ArrayNode clusters = doc.putArray("clusters");
        for (ClusterStatus s : statuses) {
            ObjectNode c = clusters.addObject();
            c.put("cluster", s.cluster());
            c.put("healthy", s.healthy());
            s.unavailable().ifPresent(f -> c.set("unavailable", Json.failure(f)));
            if (s.current().isPresent()) {
                c.set("revision", Json.revision(s.current().get()));
            } else {
                c.putNull("revision");
            }
            ArrayNode objects = c.putArray("objects");
            for (ObjectHealth o : s.objects()) {
                ObjectNode entry = objects.addObject();
                entry.put("kind", o.ref().kind());
                entry.put("group", o.ref().group());
                if (PlannedChange.isSecret(o.ref())) {
                    entry.put("secret", true);
                } else {
                    entry.put("name", o.ref().name());
                }
                entry.put("state", o.state().label());
                entry.put("message", o.message());
            }
        }
        return doc;
    }
}
