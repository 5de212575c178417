package dev.slipway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.Durations;
import dev.slipway.local.LocalLabRequests;
import dev.slipway.local.LocalRequests;
import dev.slipway.local.LocalState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code slipway lab} commands without --server: labs as local processes beside slipway up. The app's running
 * {@code slipway up} owns each lab's processes and routes {@code <slug>.<app>.localhost} to them; these commands
 * ask it through {@link LocalRequests} and read what it records in {@link LocalState}.
 */
final class LocalLabs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalLabs() {}

    static int up(LabUpCommand command, CliContext context) {
        PrintWriter out = command.spec.commandLine().getOut();
        Path dir = command.lab.directory(context);
        App app = AppLoader.load(dir);
        String name = app.spec().app();
        if (command.lab.app != null && !command.lab.app.equals(name)) {
            throw new InvalidInputException(new Problem(
                    "--app",
                    "'" + command.lab.app + "' is not the app of " + dir + " (its slipway.yaml declares '" + name
                            + "')",
                    "leave out --app: a local lab runs the app directory DIR"));
        }
        String branch = command.lab.branch(context);
        String slug = LocalLabRequests.slug(branch);
        LocalLabRequests.checkHostFree(app, branch);
        LocalState state = context.localState();
        LocalState.Running running = LocalLabRequests.owner(state, name, "slipway up " + dir + " --detach");
        GitCheckout git = GitCheckout.of(dir);
        Path runFrom = dir;
        String ref = git.describe();
        if (git.commit().isPresent() && !git.branch().map(branch::equals).orElse(false)) {
            // Another branch than the one checked out: run exactly its commit, exported beside the state.
            String commit = GitCheckout.commitOfBranch(dir, branch)
                    .orElseThrow(() -> new InvalidInputException(new Problem(
                            "--branch " + branch,
                            "the repository of " + dir + " has no branch '" + branch + "' (nor origin/" + branch + ")",
                            "create or fetch the branch, or check it out and run slipway lab up from there")));
            runFrom = LocalLabRequests.export(state, dir, commit, context.clock());
            ref = commit.substring(0, 12);
        }
        boolean exists = LocalLabRequests.exists(state, name, branch);
        out.println((exists ? "redeploying" : "starting") + " lab " + slug + " of " + name + " (branch " + branch + ", "
                + ref
                + (!runFrom.equals(dir) ? ", its commit" : git.commit().isPresent() ? ", the working directory" : "")
                + ") beside "
                + running.url());
        out.flush();
        LocalLabRequests.LabUp lab = new LocalLabRequests.LabUp(
                branch,
                runFrom,
                ref,
                Optional.ofNullable(command.ttl),
                Optional.ofNullable(command.secretStore.keyFile).map(context::resolve),
                Optional.ofNullable(command.secretStore.directory).map(context::resolve));
        return answer(LocalLabRequests.up(state, running, lab, out), out);
    }

    static int list(LabListCommand command, CliContext context) {
        PrintWriter out = command.spec.commandLine().getOut();
        LocalState state = context.localState();
        List<LocalState.Lab> labs = command.app == null ? state.allLabs() : state.labs(command.app);
        Instant now = context.clock().instant();
        if (command.output.json()) {
            ArrayNode array = JSON.createArrayNode();
            for (LocalState.Lab lab : labs) {
                ObjectNode n = lab.toJson();
                n.remove("replicas");
                n.remove("pid");
                n.put(
                        "expiresInSeconds",
                        Math.max(0, Duration.between(now, lab.expiresAt()).toSeconds()));
                array.add(n);
            }
            out.println(array.toPrettyString());
            return ExitCodes.OK;
        }
        if (labs.isEmpty()) {
            out.println("no local labs" + (command.app == null ? "" : " of " + command.app)
                    + "; start one beside slipway up with: slipway lab up DIR --branch BRANCH");
            return ExitCodes.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"APP", "BRANCH", "URL", "REF", "REV", "STATE", "LAST DEPLOY", "EXPIRES IN"});
        for (LocalState.Lab lab : labs) {
            rows.add(new String[] {
                lab.app(),
                lab.branch(),
                lab.url(),
                lab.ref(),
                Integer.toString(lab.rev()),
                lab.phase(),
                ago(lab.lastDeploy(), now),
                in(lab.expiresAt(), now)
            });
        }
        out.println(StatusTable.columns(rows));
        return ExitCodes.OK;
    }

    static int down(LabDownCommand command, CliContext context) {
        PrintWriter out = command.spec.commandLine().getOut();
        Target target = target(command.lab, context);
        return answer(LocalLabRequests.down(target.state(), target.running(), target.lab(), out), out);
    }

    static int extend(LabExtendCommand command, CliContext context) {
        PrintWriter out = command.spec.commandLine().getOut();
        Target target = target(command.lab, context);
        return answer(
                LocalLabRequests.extend(
                        target.state(), target.running(), target.lab(), Optional.ofNullable(command.by), out),
                out);
    }

    /** How long until {@code at}, as a person reads it: {@code 23h59m}, {@code 40s}, {@code now}. */
    static String in(Instant at, Instant now) {
        Duration d = Duration.between(now, at);
        if (d.getSeconds() < 1) {
            return "now";
        }
        return Durations.format(d.truncatedTo(d.toMinutes() >= 1 ? ChronoUnit.MINUTES : ChronoUnit.SECONDS));
    }

    static String ago(Instant at, Instant now) {
        Duration d = Duration.between(at, now);
        return d.getSeconds() < 1 ? "just now" : in(now, at) + " ago";
    }

    private record Target(LocalState state, LocalState.Running running, LocalState.Lab lab) {}

    /** The running app and the existing lab a down or extend means, or an error listing the app's labs. */
    private static Target target(LabOptions options, CliContext context) {
        String name = options.app != null
                ? options.app
                : AppLoader.load(options.directory(context)).spec().app();
        String branch = options.branch(context);
        LocalLabRequests.slug(branch);
        LocalState state = context.localState();
        LocalState.Running running = LocalLabRequests.owner(state, name, "slipway up DIR --detach");
        return new Target(state, running, LocalLabRequests.lab(state, name, branch));
    }

    private static int answer(LocalRequests.Outcome outcome, PrintWriter out) {
        if (!outcome.ok()) {
            throw new UserFacingException(outcome.message());
        }
        out.println(outcome.message());
        return ExitCodes.OK;
    }
}
