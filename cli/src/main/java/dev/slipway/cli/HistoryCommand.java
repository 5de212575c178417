package dev.slipway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.deploy.ClusterHistory;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.StatusDocument;
import dev.slipway.core.revision.RevisionSummary;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway history}: the revisions each cluster recorded, so you know what to roll back to. */
@Command(
        name = "history",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the revisions recorded on each cluster, newest first.",
            "",
            "Per cluster of the environment's group: number, when, outcome, who, release (the group deploy it"
                    + " belongs to, the same id on every cluster: what rollback --to RELEASE takes), ref, and which"
                    + " revision a rollback re-applied. Never the objects.",
            "",
            "The environment's group and namespace come from the app's slipway.yaml (--app-dir, default: the"
                    + " current directory)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway history acme-web --env production --app-dir examples/acme-web",
            "  slipway history acme-web --env production --output json | jq '.clusters[0].revisions[0]'",
            "  SLIPWAY_SERVER=http://127.0.0.1:7420 slipway history acme-web --env production"
        })
final class HistoryCommand implements Callable<Integer> {
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

    @Mixin
    ColorOptions colorOptions;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = root.context();
        if (server.enabled(context)) {
            return ThroughServer.history(
                    server.connect(context),
                    server.server(context).orElseThrow(),
                    app,
                    env.environment,
                    output.format,
                    ThroughServer.printers(spec, colorOptions.ansi(context)));
        }
        EnvironmentTarget target = Engines.target(context, app, env.environment, env.appDir, env.clusters);
        List<ClusterHistory> histories = Engines.open(context, env.clusters).history(target);
        boolean allRead = histories.stream().allMatch(h -> h.unavailable().isEmpty());
        var out = spec.commandLine().getOut();
        if (output.json()) {
            ObjectNode doc = Output.object();
            doc.put("app", app);
            doc.put("environment", target.environment());
            ArrayNode clusters = doc.putArray("clusters");
            for (ClusterHistory h : histories) {
                ObjectNode c = clusters.addObject();
                c.put("cluster", h.cluster());
                h.unavailable().ifPresent(f -> c.set("unavailable", StatusDocument.failure(f)));
                ArrayNode revisions = c.putArray("revisions");
                h.revisions().forEach(r -> revisions.add(StatusDocument.revision(r)));
            }
            out.println(Output.json(doc));
        } else {
            Ansi ansi = colorOptions.ansi(context);
            for (ClusterHistory h : histories) {
                out.println(ansi.string("@|bold " + h.cluster() + "|@"));
                if (h.unavailable().isPresent()) {
                    out.println("  " + ansi.string("@|red unavailable|@") + ": "
                            + h.unavailable().get().message());
                } else if (h.revisions().isEmpty()) {
                    out.println("  never deployed");
                } else {
                    for (RevisionSummary r : h.revisions()) {
                        String line = "  " + describe(r);
                        out.println(
                                r.outcome() == dev.slipway.core.revision.RevisionOutcome.FAILED
                                        ? ansi.string("@|red " + line + "|@")
                                        : line);
                    }
                }
            }
        }
        return allRead ? ExitCodes.OK : ExitCodes.USER_ERROR;
    }

    /**
     * One history line: {@code 7  2026-11-23T10:00:00Z  succeeded  alice  canary  release 3f9a0c12ab44  ref main
     * (rollback of 5)}; the track only in an environment with a rollout.
     */
    static String describe(RevisionSummary r) {
        StringBuilder sb = new StringBuilder()
                .append(r.number())
                .append("  ")
                .append(r.when().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                .append("  ")
                .append(r.outcome().label())
                .append("  ")
                .append(r.who());
        r.track().ifPresent(t -> sb.append("  ").append(t.label()));
        if (!r.release().isEmpty()) {
            sb.append("  release ").append(r.release());
        }
        if (!r.ref().isEmpty()) {
            sb.append("  ref ").append(r.ref());
        }
        r.rollbackOf().ifPresent(n -> sb.append("  (rollback of ").append(n).append(')'));
        if (!r.failure().isEmpty()) {
            sb.append("  ").append(r.failure());
        }
        return sb.toString();
    }
}
