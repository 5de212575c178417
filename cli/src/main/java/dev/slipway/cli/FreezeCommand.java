package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.Freeze;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway freeze}: no deploy or rollback of an environment until it ends or is lifted. */
@Command(
        name = "freeze",
        mixinStandardHelpOptions = true,
        description = {
            "Freezes an environment: deploys and rollbacks to it are refused, on every path, until the freeze ends"
                    + " (--for, --until) or someone lifts it (slipway unfreeze).",
            "",
            "The freeze is kept on every cluster of the environment's group, beside the deploy lock (a Lease"
                    + " slipway-freeze.APP.ENV in its namespace, which kubectl get lease shows), so a deploy from"
                    + " any machine reads it. A refused deploy says who froze it, why and until when. A fix that"
                    + " cannot wait goes through with deploy --override-freeze REASON, once.",
            "",
            "With --all-apps instead of APP, the environment name is frozen for every app at once, on every"
                    + " cluster of the clusters file (or of --group): a Lease slipway-freeze.ENV in namespace"
                    + " slipway-system, read by every deploy beside the app's own freeze.",
            "",
            "A cluster that cannot be reached is named and the command fails: freeze again once it is back."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway freeze acme-web --env production --for 2h --reason 'release week' --app-dir examples/acme-web",
            "  slipway freeze acme-web --env production --until 2026-12-24T18:00:00Z --reason 'holidays'",
            "  slipway freeze --env production --all-apps --for 4h --reason 'datacenter move'",
            "  slipway unfreeze acme-web --env production"
        })
final class FreezeCommand implements Callable<Integer> {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "APP",
            description = "App name, as in slipway.yaml (or --all-apps).")
    String app;

    @Mixin
    EnvironmentOptions env;

    @Mixin
    EveryAppOptions everyApp;

    @ArgGroup(exclusive = true)
    Ends ends;

    static final class Ends {
        @Option(
                names = "--for",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "How long it holds, e.g. 2h or 3d (default: until someone unfreezes it).")
        Duration lasting;

        @Option(names = "--until", paramLabel = "TIME", description = "When it ends, in UTC: 2026-12-24T18:00:00Z.")
        String until;
    }

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why: shown to everyone refused.")
    String reason;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CliContext context = root.context();
        Instant now = context.clock().instant();
        Optional<Instant> until = Freeze.end(
                Optional.ofNullable(ends).map(e -> e.lasting),
                Optional.ofNullable(ends).map(e -> e.until),
                now,
                "--for",
                "--until");
        if (reason.isBlank()) {
            throw new InvalidInputException(
                    new Problem("--reason", "is empty", "say why: it is shown to everyone whose deploy is refused"));
        }
        everyApp.check(app, "freeze");
        Optional<String> lasting =
                Optional.ofNullable(ends).map(e -> e.lasting).map(dev.slipway.core.spec.Durations::format);
        Optional<String> untilText = Optional.ofNullable(ends).map(e -> e.until); // checked by Freeze.end
        if (everyApp.allApps) {
            if (server.enabled(context)) {
                var answer = server.connect(context)
                        .freezeEveryApp(env.environment, reason.strip(), lasting, untilText, everyApp.groupName());
                spec.commandLine().getOut().println(serverAnswer(answer));
                return ExitCodes.OK;
            }
            Freeze freeze = new Freeze(Engines.who(context), reason.strip(), now, until);
            var clusters = everyApp.clusters(context, env.clusters);
            return EveryAppOptions.report(
                    spec.commandLine().getOut(),
                    clusters,
                    Engines.open(context, env.clusters)
                            .setEnvironmentFreeze(clusters, env.environment, Optional.of(freeze)),
                    env.environment + " is " + freeze.describe() + ", for every app");
        }
        if (server.enabled(context)) {
            // The server writes it to the clusters with its own credentials, and audits it as you.
            var answer = server.connect(context).freeze(app, env.environment, reason.strip(), lasting, untilText);
            spec.commandLine().getOut().println(serverAnswer(answer));
            return ExitCodes.OK;
        }
        Freeze freeze = new Freeze(Engines.who(context), reason.strip(), now, until);
        EnvironmentTarget target = Engines.target(context, app, env.environment, env.appDir, env.clusters);
        List<ClusterFailure> missed = Engines.open(context, env.clusters).setFreeze(target, Optional.of(freeze));
        return report(spec.commandLine().getOut(), target, missed, target.environment() + " is " + freeze.describe());
    }

    /** The server's answer in a line per cluster. */
    static String serverAnswer(com.fasterxml.jackson.databind.JsonNode answer) {
        StringBuilder out = new StringBuilder();
        for (var c : answer.path("clusters")) {
            out.append(c.path("cluster").asText())
                    .append(": ")
                    .append(
                            c.path("frozen").asBoolean()
                                    ? "frozen by " + c.path("by").asText() + " "
                                            + (c.hasNonNull("until")
                                                    ? "until " + c.path("until").asText()
                                                    : "until unfrozen")
                                            + ": " + c.path("reason").asText()
                                    : "not frozen")
                    .append('\n');
        }
        return out.toString().stripTrailing();
    }

    /** What was done where, and where not; non-zero when a cluster was missed. */
    static int report(PrintWriter out, EnvironmentTarget target, List<ClusterFailure> missed, String done) {
        if (!missed.isEmpty()) {
            throw new InvalidInputException(
                    missed.stream().map(ClusterFailure::toProblem).toList());
        }
        out.println(done + " (on "
                + String.join(
                        ", ",
                        target.group().clusters().stream().map(c -> c.name()).toList())
                + ")");
        return ExitCodes.OK;
    }
}
