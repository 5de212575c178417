package dev.slipway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.api.Lab;
import dev.slipway.api.LabUp;
import dev.slipway.api.SlipwayClient;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code slipway lab} commands with --server: the server deploys the branch's commit, once CI passed for it,
 * into the lab's own namespace, and reaps the lab when its TTL runs out. The CLI names the commit (the full SHA
 * git has checked out), follows the deploy, and finds labs by app and branch as people think of them.
 */
final class ServerLabs {
    private static final Pattern FULL_SHA = Pattern.compile("[0-9a-fA-F]{40}");

    private ServerLabs() {}

    static int up(LabUpCommand command, CliContext context) {
        Path dir = command.lab.directory(context);
        String app = app(command.lab, context);
        String branch = command.lab.branch(context);
        ThroughServer.Printers to = printers(command.spec, context);
        String commit = commit(command, dir, branch, to);
        String server = command.server.server(context).orElseThrow();
        SlipwayClient client = command.server.connect(context);
        LabUp up;
        try {
            up = client.labUp(
                    app, branch, commit, Optional.ofNullable(command.ttl).map(Durations::format));
        } catch (InvalidInputException refused) {
            throw asAdvice(refused, app, branch, commit);
        }
        to.out()
                .println("Lab " + app + "/" + branch + " at " + shortSha(commit) + " through " + server
                        + ": namespace " + up.lab().namespace() + " (deploy #"
                        + up.deploy().id() + ", "
                        + up.deploy().state() + ")");
        int exit = ThroughServer.follow(client, up.deploy(), to);
        // Expiry counts from the last successful deploy, so it is read again now the deploy is over.
        Lab lab = client.labs(Optional.of(app)).stream()
                .filter(l -> l.id() == up.lab().id())
                .findFirst()
                .orElse(up.lab());
        if (exit == ExitCodes.OK) {
            to.out()
                    .println("Lab " + app + "/" + branch + " is up in namespace " + lab.namespace()
                            + lab.url().map(u -> " at " + u).orElse("") + "; it expires in "
                            + timeLeft(lab, context) + " (" + ThroughServer.seconds(lab.expiresAt())
                            + ") unless deployed again or"
                            + " extended (slipway lab extend).");
        } else {
            to.err()
                    .println("The lab stays as its last successful deploy left it (if any) and expires in "
                            + timeLeft(lab, context)
                            + " (" + ThroughServer.seconds(lab.expiresAt())
                            + "); fix the app and run slipway lab up again, or"
                            + " remove it with slipway lab down.");
        }
        return exit;
    }

    static int list(LabListCommand command, CliContext context) {
        String server = command.server.server(context).orElseThrow();
        Optional<String> app = Optional.ofNullable(command.app);
        List<Lab> labs = command.server.connect(context).labs(app);
        var out = command.spec.commandLine().getOut();
        if (command.output.json()) {
            ObjectNode doc = Output.object();
            doc.put("server", server);
            ArrayNode array = doc.putArray("labs");
            for (Lab l : labs) {
                ObjectNode node = array.addObject()
                        .put("id", l.id())
                        .put("app", l.app())
                        .put("branch", l.branch())
                        .put("namespace", l.namespace())
                        .put("ref", l.ref())
                        .put("state", l.state())
                        .put("createdBy", l.createdBy())
                        .put("lastDeployAt", l.lastDeployAt().toString())
                        .put("expiresAt", l.expiresAt().toString())
                        .put("expiresIn", l.expiresIn());
                node.put("ciState", l.ciState().orElse(null));
                node.put("url", l.url().orElse(null));
            }
            out.println(Output.json(doc));
            return ExitCodes.OK;
        }
        if (labs.isEmpty()) {
            out.println("No labs on " + server + app.map(a -> " for app " + a).orElse("") + ".");
            return ExitCodes.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"APP", "BRANCH", "NAMESPACE", "URL", "REF", "CI", "LAST DEPLOY", "EXPIRES IN", "BY"});
        Instant now = context.clock().instant();
        for (Lab l : labs) {
            rows.add(new String[] {
                l.app(),
                l.branch(),
                l.namespace(),
                l.url().orElse("-"),
                shortSha(l.ref()),
                l.ciState().orElse("-"),
                ago(l.lastDeployAt(), now),
                l.state().equals("active") ? timeLeft(l, context) : l.state(),
                l.createdBy()
            });
        }
        out.println(StatusTable.columns(rows));
        return ExitCodes.OK;
    }

    static int down(LabDownCommand command, CliContext context) {
        String app = app(command.lab, context);
        String branch = command.lab.branch(context);
        SlipwayClient client = command.server.connect(context);
        Lab lab = find(client, app, branch, context);
        Lab down = client.labDown(lab.id());
        command.spec
                .commandLine()
                .getOut()
                .println("Deleted lab " + app + "/" + branch + ": namespace " + down.namespace()
                        + " and what was deployed in it are gone from the lab's clusters.");
        return ExitCodes.OK;
    }

    static int extend(LabExtendCommand command, CliContext context) {
        String app = app(command.lab, context);
        String branch = command.lab.branch(context);
        SlipwayClient client = command.server.connect(context);
        Lab lab = find(client, app, branch, context);
        Lab extended =
                client.labExtend(lab.id(), Optional.ofNullable(command.by).map(Durations::format));
        command.spec
                .commandLine()
                .getOut()
                .println("Lab " + app + "/" + branch + " now expires in " + timeLeft(extended, context) + " ("
                        + ThroughServer.seconds(extended.expiresAt()) + "; was "
                        + ThroughServer.seconds(lab.expiresAt()) + ").");
        return ExitCodes.OK;
    }

    /** The app named by --app, else by DIR/slipway.yaml. */
    private static String app(LabOptions lab, CliContext context) {
        if (lab.app != null) {
            return lab.app;
        }
        return AppLoader.load(lab.directory(context)).spec().app();
    }

    /**
     * The commit the lab gets: --ref, else the commit of --branch when it is not the branch checked out (refused when
     * the repository lacks it), else the full SHA of HEAD in DIR; warns when that is not what DIR holds.
     */
    private static String commit(LabUpCommand command, Path dir, String branch, ThroughServer.Printers to) {
        if (command.ref != null) {
            if (!FULL_SHA.matcher(command.ref).matches()) {
                throw new InvalidInputException(new Problem(
                        "--ref " + command.ref,
                        "is not a full commit SHA",
                        "give all 40 hex digits CI reported a status for, e.g. --ref \"$(git rev-parse HEAD)\""));
            }
            return command.ref.toLowerCase(Locale.ROOT);
        }
        GitCheckout git = GitCheckout.of(dir);
        if (git.commit().isEmpty()) {
            throw new InvalidInputException(new Problem(
                    dir.toString(),
                    git.equals(GitCheckout.NONE)
                            ? "is not in a git repository, so there is no commit for the lab"
                            : "the git repository has no commit yet, so there is no commit for the lab",
                    "a lab through a server deploys a commit CI has tested: commit and push the app, let CI"
                            + " pass, and run lab up in its git checkout (or name the commit with --ref SHA)"));
        }
        if (git.branch().isPresent() && !git.branch().get().equals(branch)) {
            // Another branch than the one checked out: its commit, as a local lab would run it.
            Optional<String> other = GitCheckout.commitOfBranch(dir, branch);
            if (other.isPresent()) {
                return other.get();
            }
            // Deploying the checked-out branch under another branch's name would put code in a lab nobody asked
            // for (and that CI may have passed for another reason): refuse before anything reaches the server.
            throw new InvalidInputException(new Problem(
                    "--branch " + branch,
                    "the repository of " + dir + " has no branch '" + branch + "' (nor origin/" + branch
                            + "), and the branch checked out is " + git.branch().get()
                            + ", so there is no commit to deploy as this lab",
                    "fetch the branch (git fetch origin " + branch + "), check it out and run lab up there, or"
                            + " name the commit with --ref SHA"));
        }
        String sha = git.commit().get();
        if (git.dirty()) {
            to.err()
                    .println("warning: " + dir + " has uncommitted changes; they are not in the lab, which gets commit "
                            + shortSha(sha) + " (commit and push them, then run lab up again once CI passed).");
        }
        return sha;
    }

    /** The CI gate's refusal, with what to do about it here; other refusals pass through as the server put them. */
    private static InvalidInputException asAdvice(
            InvalidInputException refused, String app, String branch, String commit) {
        List<Problem> problems = new ArrayList<>();
        for (Problem p : refused.problems()) {
            if (!p.where().equals("commit " + commit)) {
                problems.add(p);
                continue;
            }
            String what = p.what();
            String fix;
            if (what.contains("no CI status reported yet")) {
                fix = "CI has reported nothing for this commit: push it (git push) so CI runs, and check that"
                        + " CI reports to the server (POST /api/ci/statuses or the GitHub webhook); then run"
                        + " slipway lab up again";
            } else if (what.startsWith("CI status is pending")) {
                fix = "CI is still running on this commit: wait until it passes, then run slipway lab up again";
            } else {
                fix = "CI did not pass on this commit: fix it (see the link), commit, push, and run slipway lab up"
                        + " again once CI passed on the new commit";
            }
            problems.add(new Problem(
                    "lab " + app + "/" + branch + ", commit " + shortSha(commit), "not deployed: " + what, fix));
        }
        return new InvalidInputException(problems);
    }

    /** The app's live lab for the branch; when it has none, the error lists the labs it has. */
    private static Lab find(SlipwayClient client, String app, String branch, CliContext context) {
        List<Lab> labs = client.labs(Optional.of(app));
        return labs.stream().filter(l -> l.branch().equals(branch)).findFirst().orElseThrow(() -> {
            if (labs.isEmpty()) {
                return new InvalidInputException(new Problem(
                        "--branch " + branch,
                        "app " + app + " has no lab for branch " + branch + "; it has no labs at all",
                        "bring one up with slipway lab up, or check the app name (--app)"));
            }
            List<String> existing = labs.stream()
                    .map(l -> l.branch() + " (expires in " + timeLeft(l, context) + ")")
                    .toList();
            return new InvalidInputException(new Problem(
                    "--branch " + branch,
                    "app " + app + " has no lab for branch " + branch + "; its labs: " + String.join(", ", existing),
                    "name one of those with --branch, e.g. --branch "
                            + labs.get(0).branch()));
        });
    }

    private static ThroughServer.Printers printers(picocli.CommandLine.Model.CommandSpec spec, CliContext context) {
        return ThroughServer.printers(spec, new ColorOptions().ansi(context));
    }

    private static String shortSha(String sha) {
        return sha.substring(0, Math.min(12, sha.length()));
    }

    /** Time left as people read it: to the minute from ten minutes up (24h, not 23h59m59s), else to the second. */
    private static String timeLeft(Lab lab, CliContext context) {
        long seconds =
                Duration.between(context.clock().instant(), lab.expiresAt()).getSeconds();
        if (seconds <= 0) {
            return "expired";
        }
        return Durations.format(seconds >= 600 ? Duration.ofMinutes((seconds + 30) / 60) : Duration.ofSeconds(seconds));
    }

    /** How long ago, as people read it in a table: 40s ago, 5m ago, 3h12m ago. */
    private static String ago(Instant instant, Instant now) {
        Duration d = Duration.between(instant, now);
        if (d.isNegative() || d.getSeconds() < 1) {
            return "just now";
        }
        Duration rounded =
                d.getSeconds() >= 3600 ? d.truncatedTo(ChronoUnit.MINUTES) : d.truncatedTo(ChronoUnit.SECONDS);
        return Durations.format(rounded) + " ago";
    }
}
