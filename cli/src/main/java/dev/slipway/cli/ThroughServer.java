package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.api.ApiJson;
import dev.slipway.api.ClusterRevisions;
import dev.slipway.api.Deploy;
import dev.slipway.api.DeployCluster;
import dev.slipway.api.SlipwayClient;
import dev.slipway.core.deploy.RollbackTo;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Help.Ansi;

/**
 * The {@code --server} side of deploy, rollback, status and history: the server queues, runs and records, and
 * the CLI shows what it reports, so the output reads like the direct mode's wherever the API has the facts.
 */
final class ThroughServer {
    private ThroughServer() {}

    /** Queues a deploy, follows its log to the end and concludes like a direct deploy (exit 1 unless it succeeded). */
    static int deploy(
            SlipwayClient client, String server, String app, String environment, Optional<String> ref, Printers to) {
        return deploy(client, server, app, environment, ref, Optional.empty(), to, new AtomicBoolean());
    }

    /** As above; {@code rolloutStarted} is set when the server's log says it started the environment's rollout. */
    static int deploy(
            SlipwayClient client,
            String server,
            String app,
            String environment,
            Optional<String> ref,
            Optional<String> overrideFreeze,
            Printers to,
            AtomicBoolean rolloutStarted) {
        Deploy queued = client.deploy(app, environment, ref, overrideFreeze);
        to.out()
                .println("Deploying " + app + " to " + environment + " through " + server + " (deploy #" + queued.id()
                        + ", " + queued.state() + ")");
        return follow(client, queued, to, rolloutStarted);
    }

    /** The server's log line of a deploy that started its environment's rollout (DeployRunner writes it). */
    private static final String ROLLOUT_STARTED = "rollout started on ";

    /** The server's last log line of a rollback that restored a release (DeployRunner writes it). */
    private static final String RESTORED = "done: rolled back to release ";

    /** Queues a rollback and follows it like a deploy. */
    static int rollback(
            SlipwayClient client, String server, String app, String environment, RollbackTo target, Printers to) {
        Deploy queued = client.rollback(app, environment, target);
        to.out()
                .println("Rolling back " + app + " in " + environment + " to " + RollbackCommand.describe(target)
                        + " through " + server + " (deploy #" + queued.id() + ", " + queued.state() + ")");
        return follow(client, queued, to);
    }

    /** Follows a queued deploy (also a lab's) to its end; exit 0 only when it succeeded. */
    static int follow(SlipwayClient client, Deploy queued, Printers to) {
        return follow(client, queued, to, new AtomicBoolean());
    }

    private static int follow(SlipwayClient client, Deploy queued, Printers to, AtomicBoolean rolloutStarted) {
        StringBuilder release = new StringBuilder();
        Deploy done = client.follow(queued.id(), line -> {
            if (line.startsWith(ROLLOUT_STARTED)) {
                rolloutStarted.set(true);
            }
            if (line.startsWith(RESTORED)) {
                release.setLength(0);
                release.append(line.substring(RESTORED.length()));
            }
            to.out().println("  " + line);
            to.out().flush();
        });
        if (done.state().equals("succeeded")) {
            to.out()
                    .println(to.ansi()
                            .string("@|green " + (done.kind().equals("rollback") ? "Rolled back" : "Deployed") + "|@ "
                                    + done.app() + " in " + done.environment()
                                    + (release.isEmpty() ? "" : " to release " + release) + " (deploy #" + done.id()
                                    + ")."));
            return ExitCodes.OK;
        }
        String error = to.ansi().string("@|red,bold error:|@ ");
        List<DeployCluster> notDone = done.clusters().stream()
                .filter(c -> !c.state().equals("succeeded"))
                .toList();
        boolean clustersSayWhy = notDone.stream().anyMatch(c -> c.message().isPresent());
        // The deploy's message repeats its failed cluster's, so it is printed only when no cluster says why.
        to.err()
                .println(error + "deploy #" + done.id() + " of " + done.app() + " to " + done.environment() + " "
                        + done.state()
                        + (clustersSayWhy
                                ? ""
                                : done.message().map(m -> ": " + m).orElse("")));
        for (DeployCluster c : notDone) {
            to.err()
                    .println("  " + c.cluster() + ": "
                            + c.message()
                                    .orElse(
                                            c.state().equals("failed")
                                                    ? "failed"
                                                    : c.state() + ", not touched: keeps its previous revision"));
        }
        if (done.state().equals("interrupted")) {
            to.err()
                    .println("The server stopped while running it. Resume it (POST /api/deploys/" + done.id()
                            + "/resume) or roll back with `slipway rollback " + done.app() + " --env "
                            + done.environment()
                            + " --server ...`.");
        }
        return ExitCodes.USER_ERROR;
    }

    /**
     * The newest revision per cluster and the latest deploy; exit 1 when a cluster is unreachable or the latest
     * deploy did not succeed. Object health is not in the API, so this is what the server recorded, not a probe.
     */
    static int status(
            SlipwayClient client,
            String server,
            String app,
            String environment,
            OutputFormat format,
            boolean all,
            Printers to) {
        JsonNode live = client.status(app, environment);
        Optional<Deploy> latest = client.deploys(app, environment, 1).stream().findFirst();
        boolean deployOk = latest.map(
                        d -> !d.state().equals("failed") && !d.state().equals("interrupted"))
                .orElse(true);
        boolean healthy = live.path("healthy").asBoolean() && deployOk;
        if (format == OutputFormat.json) {
            ObjectNode doc = Output.object();
            doc.setAll((ObjectNode) live);
            doc.put("healthy", healthy);
            doc.put("server", server);
            if (latest.isPresent()) {
                doc.set("latestDeploy", deployJson(latest.get()));
            } else {
                doc.putNull("latestDeploy");
            }
            to.out().println(Output.json(doc));
        } else {
            to.out()
                    .println(app + " in " + environment + " (namespace "
                            + live.path("namespace").asText() + ", group "
                            + live.path("group").asText() + ", through " + server + ")");
            to.out()
                    .println("latest deploy: "
                            + latest.map(ThroughServer::describeDeploy).orElse("none through this server"));
            StatusCommand.printClusters(live, all, to.ansi(), to.out());
        }
        return healthy ? ExitCodes.OK : ExitCodes.USER_ERROR;
    }

    /** The revisions each cluster recorded, newest first, as the server read them. */
    static int history(
            SlipwayClient client, String server, String app, String environment, OutputFormat format, Printers to) {
        List<ClusterRevisions> histories = client.revisions(app, environment);
        boolean allRead = histories.stream().allMatch(h -> h.unavailable().isEmpty());
        if (format == OutputFormat.json) {
            ObjectNode doc = Output.object();
            doc.put("app", app);
            doc.put("environment", environment);
            doc.put("server", server);
            ArrayNode clusters = doc.putArray("clusters");
            histories.forEach(h -> clusters.add(ApiJson.tree(h)));
            to.out().println(Output.json(doc));
        } else {
            for (ClusterRevisions h : histories) {
                to.out().println(to.ansi().string("@|bold " + h.cluster() + "|@"));
                if (h.unavailable().isPresent()) {
                    to.out()
                            .println("  " + to.ansi().string("@|red unavailable|@") + ": "
                                    + h.unavailable().get());
                } else if (h.revisions().isEmpty()) {
                    to.out().println("  never deployed");
                } else {
                    for (ClusterRevisions.Revision r : h.revisions()) {
                        String line = "  " + r.number() + "  " + r.when() + "  " + r.outcome() + "  " + r.who()
                                + r.release().map(id -> "  release " + id).orElse("")
                                + (r.ref().isEmpty() ? "" : "  ref " + r.ref())
                                + r.rollbackOf()
                                        .map(n -> "  (rollback of " + n + ")")
                                        .orElse("");
                        to.out()
                                .println(
                                        r.outcome().equals("failed") ? to.ansi().string("@|red " + line + "|@") : line);
                    }
                }
            }
        }
        return allRead ? ExitCodes.OK : ExitCodes.USER_ERROR;
    }

    private static String describeDeploy(Deploy d) {
        return "#" + d.id() + " " + d.kind() + " " + d.state()
                + d.ref().map(r -> ", ref " + r).orElse("")
                + d.message().map(m -> ": " + m.lines().findFirst().orElse("")).orElse("");
    }

    /** Times as the direct mode prints them: to the second. */
    static String seconds(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static ObjectNode deployJson(Deploy d) {
        ObjectNode node = Output.object();
        node.put("id", d.id());
        node.put("kind", d.kind());
        node.put("state", d.state());
        node.put("ref", d.ref().orElse(null));
        node.put("message", d.message().orElse(null));
        ArrayNode clusters = node.putArray("clusters");
        for (DeployCluster c : d.clusters()) {
            ObjectNode cluster = clusters.addObject();
            cluster.put("cluster", c.cluster());
            cluster.put("state", c.state());
            cluster.put("revision", c.revision().orElse(null));
            cluster.put("message", c.message().orElse(null));
        }
        return node;
    }

    static Printers printers(picocli.CommandLine.Model.CommandSpec spec, Ansi ansi) {
        return new Printers(spec.commandLine().getOut(), spec.commandLine().getErr(), ansi);
    }

    /** Where a server-mode command prints: stdout, stderr, and the colour scheme. */
    record Printers(PrintWriter out, PrintWriter err, Ansi ansi) {}
}
