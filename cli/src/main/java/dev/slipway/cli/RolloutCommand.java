package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.api.ApiJson;
import dev.slipway.api.Rollout;
import dev.slipway.api.RolloutTransition;
import dev.slipway.api.ServerRefusal;
import dev.slipway.api.SlipwayClient;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutEvent;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RolloutStateJson;
import dev.slipway.rollout.controller.StaleRolloutException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway rollout}: a staged rollout of an environment, seen and steered from this machine. */
@Command(
        name = "rollout",
        mixinStandardHelpOptions = true,
        description = {
            "Shows and steers the staged rollout of an environment with `rollout:` in slipway.yaml: its new"
                    + " revision runs as a canary beside stable, and traffic moves to it step by step, each step"
                    + " judged on the routers' own numbers.",
            "",
            "`slipway deploy` of such an environment brings the canaries up and starts the rollout; `slipway"
                    + " rollout run` moves its traffic (without a server); the other commands act on it at once.",
            "The state is kept in rollouts/ under Slipway's state directory ($SLIPWAY_HOME/state, else"
                    + " $XDG_STATE_HOME/slipway, else ~/.local/state/slipway); the stages go to a stages file"
                    + " beside it that routers started with `slipway router --env` on this machine follow."
                    + " See docs/rollouts.md.",
            "",
            "With --server URL (or $SLIPWAY_SERVER, or server: in config.yaml) status, pause, resume, promote, abort"
                    + " and retry act on the rollout the server runs, through its API (a read token for status, a"
                    + " deploy token for the others); `rollout run` is for rollouts kept on this machine only.",
            "",
            "An operation that does not apply (nothing to pause, no rollout, a rollout already stopped) says why"
                    + " and what to do, and exits 1."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway rollout status acme-web --env production --app-dir examples/acme-web",
            "  slipway rollout run acme-web --env production --routers routers.yaml",
            "  slipway rollout pause acme-web --env production --reason 'waiting for the launch mail'",
            "  slipway rollout resume acme-web --env production",
            "  slipway rollout promote acme-web --env production   # skip the remaining steps",
            "  slipway rollout abort acme-web --env production --reason 'checkout errors in the logs'",
            "  slipway rollout retry acme-web --env production     # after an abort, once the canary runs again",
            "  slipway rollout log acme-web --env production       # every transition: who or what decided, why",
            "  slipway rollout status acme-web --env production --server https://slipway.internal:7420"
        },
        subcommands = {
            RolloutCommand.Status.class,
            RolloutCommand.Pause.class,
            RolloutCommand.Resume.class,
            RolloutCommand.Promote.class,
            RolloutCommand.Abort.class,
            RolloutCommand.Retry.class,
            RolloutCommand.Log.class,
            RolloutRunCommand.class
        })
final class RolloutCommand implements Runnable {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What every rollout command names: the app, its environment, and where its slipway.yaml and clusters are. */
    abstract static class OnRollout {
        @ParentCommand
        RolloutCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "APP", description = "App name, as in slipway.yaml.")
        String app;

        @Mixin
        EnvironmentOptions env;

        @Mixin
        ServerOptions server;

        CliContext context() {
            return parent.root.context();
        }

        RolloutKey key() {
            return new RolloutKey(app, env.environment);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    /**
     * A refused request through a server: no rollout (404) gets the same advice as on this machine; a refusal of the
     * controller (409) and a token without the scope (403) keep the server's own words, which say what to do.
     */
    static RuntimeException throughServer(InvalidInputException e, String server, RolloutKey key) {
        if (e instanceof ServerRefusal refusal && refusal.status() == 404) {
            return new InvalidInputException(new Problem(
                    "rollout " + key,
                    "there is no rollout of " + key.app() + " in " + key.environment() + " on the server " + server,
                    "deploy a revision to an environment with `rollout:` in slipway.yaml (slipway deploy DIR --env "
                            + key.environment() + " --server " + server + ") to start one; a rollout run on this"
                            + " machine is seen without a server (--server '')"));
        }
        return e;
    }

    /** The refusal of a command on an environment with no rollout recorded on this machine. */
    static InvalidInputException noRollout(CliContext context, RolloutKey key) {
        return new InvalidInputException(new Problem(
                "rollout " + key,
                "there is no rollout of " + key.app() + " in " + key.environment() + " on this machine (looked in "
                        + context.paths().state().resolve("rollouts") + ")",
                "deploy a revision to an environment with `rollout:` in slipway.yaml (slipway deploy DIR --env "
                        + key.environment() + ") to start one; a rollout a server runs is seen with --server"));
    }

    /** An operation that takes a --reason (pause, abort): recorded with it, or "<verb> by <who>" without one. */
    abstract static class WithReason extends Operation {
        @Option(
                names = "--reason",
                paramLabel = "TEXT",
                defaultValue = "",
                description = "Why, recorded with it and shown by status.")
        String reason;

        private final String verb;
        private final String doneText;

        WithReason(String verb, String doneText) {
            this.verb = verb;
            this.doneText = doneText;
        }

        abstract RolloutState apply(RolloutController controller, RolloutKey key, String actor, String why);

        @Override
        final RolloutState apply(RolloutController controller, RolloutKey key, String actor) {
            return apply(controller, key, actor, reason.isBlank() ? verb + " by " + actor : reason);
        }

        @Override
        Optional<String> reason() {
            return Optional.of(reason).filter(r -> !r.isBlank());
        }

        @Override
        String done(RolloutState state) {
            return doneText;
        }

        @Override
        String done(Rollout rollout) {
            return doneText;
        }
    }

    /** An operation by hand: runs it on the controller, prints the transitions it made and the state after. */
    abstract static class Operation extends OnRollout implements Callable<Integer> {
        @Option(
                names = "--stages",
                paramLabel = "FILE",
                description = "The stages file the routers follow, when they were started with --stages FILE"
                        + " (default: rollouts/APP/ENV.stages.json in Slipway's state directory).")
        Path stagesFile;

        abstract RolloutState apply(RolloutController controller, RolloutKey key, String actor);

        abstract String done(RolloutState state);

        /** The --reason given, for the operations that take one. */
        Optional<String> reason() {
            return Optional.empty();
        }

        /** The same operation through a server; {@code reason} is what was given, if anything. */
        abstract Rollout apply(SlipwayClient client, RolloutKey key, Optional<String> reason);

        /** As {@link #done(RolloutState)}, for what the server answered. */
        abstract String done(Rollout rollout);

        @Override
        public Integer call() {
            CliContext context = context();
            RolloutKey key = key();
            if (server.enabled(context)) {
                if (stagesFile != null) {
                    throw new ParameterException(
                            spec.commandLine(),
                            "--stages cannot be used with --server: the server keeps the stages, and routers follow"
                                    + " them with slipway router --env " + env.environment + " --server URL");
                }
                String url = server.server(context).orElseThrow();
                Rollout after;
                try {
                    after = apply(server.connect(context), key, reason());
                } catch (InvalidInputException e) {
                    throw throughServer(e, url, key);
                }
                out().println(done(after) + " Now: " + RolloutStatusText.overall(after)
                        + "; see slipway rollout status " + app + " --env " + env.environment);
                return ExitCodes.OK;
            }
            if (DirectRollouts.load(context, key).isEmpty()) {
                throw noRollout(context, key);
            }
            RolloutController controller = DirectRollouts.controller(
                    context,
                    env.appDir,
                    env.clusters,
                    Optional.ofNullable(stagesFile).map(context::resolve),
                    DirectRollouts.noStats(),
                    DirectRollouts.printing(out()),
                    Engines.who(context));
            RolloutState state = withRetries(controller, key, (c, k) -> apply(c, k, Engines.who(context)));
            out().println(done(state) + " Now: " + RolloutStatusText.overall(state) + "; see slipway rollout status "
                    + app + " --env " + env.environment);
            return ExitCodes.OK;
        }
    }

    /** Another command (a running `rollout run`) may save in between; the operation is then tried on its state. */
    static RolloutState withRetries(
            RolloutController controller,
            RolloutKey key,
            BiFunction<RolloutController, RolloutKey, RolloutState> operation) {
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.apply(controller, key);
            } catch (StaleRolloutException e) {
                if (attempt == 3) {
                    throw new InvalidInputException(new Problem(
                            "rollout " + key,
                            "the rollout kept changing while this command tried to change it",
                            "try again; see slipway rollout status " + key.app() + " --env " + key.environment()));
                }
            }
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = {
                "Shows the rollout per cluster: where it is (pending, running, paused, promoting, promoted, aborted,"
                        + " failed), its step, the canary's traffic stage, and the last analysis of the canary:"
                        + " requests, errors and error rate, p99 of canary and of stable, and the verdict (pass,"
                        + " wait, breach). Reads only. Exit code 1 when there is no rollout.",
                "",
                "--watch follows the rollout until it is promoted or stopped: on a terminal the table is redrawn in"
                        + " place with each change printed as a line above it; elsewhere (CI logs, pipes) one plain"
                        + " line per change and the table at the end. It says when the rollout waits on someone and"
                        + " what to run. Exit code 0 when promoted, 1 when aborted or failed (with why); Ctrl-C stops"
                        + " watching only."
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  slipway rollout status acme-web --env production",
                "  slipway rollout status acme-web --env production --watch",
                "  slipway rollout status acme-web --env production -o json | jq '.clusters[].lastCheck'"
            })
    static final class Status extends OnRollout implements Callable<Integer> {
        @Mixin
        OutputOptions output;

        @Mixin
        ColorOptions colorOptions;

        @Option(
                names = "--watch",
                description = "Follow the rollout until it is promoted or stopped, showing every change (a live"
                        + " table on a terminal, plain lines elsewhere); exit 0 promoted, 1 aborted or failed.")
        boolean watch;

        @Override
        public Integer call() {
            CliContext context = context();
            RolloutKey key = key();
            if (watch) {
                return watch(context, key);
            }
            if (server.enabled(context)) {
                String url = server.server(context).orElseThrow();
                Rollout rollout;
                try {
                    rollout = server.connect(context).rollout(app, env.environment);
                } catch (InvalidInputException e) {
                    throw throughServer(e, url, key);
                }
                if (output.json()) {
                    out().println(Output.json(ApiJson.tree(rollout)));
                } else {
                    RolloutStatusText.print(rollout, url, colorOptions.ansi(context), out());
                }
                return ExitCodes.OK;
            }
            Optional<RolloutState> state = DirectRollouts.load(context, key);
            if (state.isEmpty()) {
                throw noRollout(context, key);
            }
            if (output.json()) {
                out().println(Output.json(tree(state.get())));
            } else {
                RolloutStatusText.print(state.get(), colorOptions.ansi(context), out());
            }
            return ExitCodes.OK;
        }

        private int watch(CliContext context, RolloutKey key) {
            if (output.json()) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--watch shows the rollout to people; -o json prints its document once: use one of them"
                                + " (poll -o json for a script)");
            }
            String again = "slipway rollout status " + app + " --env " + env.environment + " --watch";
            RolloutFollow.Feed feed;
            String stopped;
            if (server.enabled(context)) {
                String url = server.server(context).orElseThrow();
                feed = RolloutFollow.server(server.connect(context), url, key);
                stopped = "Stopped watching; the server goes on with the rollout. Watch again with: " + again;
            } else {
                if (DirectRollouts.load(context, key).isEmpty()) {
                    throw noRollout(context, key);
                }
                feed = RolloutFollow.files(context, key);
                stopped = "Stopped watching; the rollout is where it was. Watch again with: " + again;
            }
            var ansi = colorOptions.ansi(context);
            return RolloutFollow.follow(
                    feed,
                    RolloutFollowDisplay.of(context, out(), ansi),
                    () -> {},
                    stopped,
                    out(),
                    spec.commandLine().getErr(),
                    ansi);
        }

        private static JsonNode tree(RolloutState state) {
            try {
                return Output.JSON.readTree(RolloutStateJson.write(state));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Command(
            name = "log",
            mixinStandardHelpOptions = true,
            description = {
                "Prints the environment's rollout transitions, oldest first: each start, step, pause, resume, breach,"
                        + " abort, promotion and cluster down or up, with who or what decided (controller, or the"
                        + " person) and why, with the numbers. Reads only.",
                "",
                "Without a server they come from this machine's rollout audit log (rollouts/APP/ENV.audit.jsonl in"
                        + " Slipway's state directory, written by every rollout command here); with --server from"
                        + " the server's audit log (a read token)."
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  slipway rollout log acme-web --env production",
                "  slipway rollout log acme-web --env production --limit 20 -o json | jq '.[] | select(.actor != \"controller\")'"
            })
    static final class Log extends OnRollout implements Callable<Integer> {
        @Mixin
        OutputOptions output;

        @Option(
                names = "--limit",
                paramLabel = "N",
                defaultValue = "50",
                description = "How many of the newest transitions (default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 10_000) {
                throw new ParameterException(spec.commandLine(), "--limit must be 1 to 10000, not " + limit);
            }
            CliContext context = context();
            RolloutKey key = key();
            List<RolloutEvent> events;
            if (server.enabled(context)) {
                String url = server.server(context).orElseThrow();
                List<RolloutTransition> transitions;
                try {
                    transitions = server.connect(context).rolloutTransitions(app, env.environment, limit);
                } catch (InvalidInputException e) {
                    throw throughServer(e, url, key);
                }
                events = transitions.stream()
                        .map(t -> new RolloutEvent(t.at(), key, t.cluster(), t.action(), t.actor(), t.details()))
                        .toList();
            } else {
                events = DirectRollouts.audit(context).read(key, limit);
            }
            if (output.json()) {
                var array = Output.JSON.createArrayNode();
                for (RolloutEvent e : events) {
                    var n = array.addObject().put("at", e.at().toString());
                    e.cluster().ifPresent(c -> n.put("cluster", c));
                    n.put("action", e.action()).put("actor", e.actor()).put("details", e.details());
                }
                out().println(Output.json(array));
                return ExitCodes.OK;
            }
            if (events.isEmpty()) {
                out().println("No rollout transitions of " + app + " in " + env.environment + " are on record"
                        + (server.enabled(context) ? " on the server." : " on this machine."));
                return ExitCodes.OK;
            }
            events.forEach(e -> out().println(DirectRollouts.line(e)));
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = {
                "Holds every running cluster at its step and traffic split. The canary is still judged (a breach"
                        + " still aborts), but the step's hold stops counting until `slipway rollout resume`."
            },
            footerHeading = "%nExamples:%n",
            footer = {"  slipway rollout pause acme-web --env production --reason 'waiting for the launch mail'"})
    static final class Pause extends WithReason {
        Pause() {
            super("paused", "Paused.");
        }

        @Override
        RolloutState apply(RolloutController controller, RolloutKey key, String actor, String why) {
            return controller.pause(key, actor, why);
        }

        @Override
        Rollout apply(SlipwayClient client, RolloutKey key, Optional<String> reason) {
            return client.pauseRollout(key.app(), key.environment(), reason);
        }
    }

    @Command(
            name = "resume",
            mixinStandardHelpOptions = true,
            description = {
                "Continues a rollout paused by hand (the step is entered again and holds its full for: time), or moves"
                        + " on from the optin step to the next one. Refused while a cluster of the group is down."
            },
            footerHeading = "%nExamples:%n",
            footer = {"  slipway rollout resume acme-web --env production"})
    static final class Resume extends Operation {
        @Override
        RolloutState apply(RolloutController controller, RolloutKey key, String actor) {
            return controller.resume(key, actor);
        }

        @Override
        Rollout apply(SlipwayClient client, RolloutKey key, Optional<String> reason) {
            return client.resumeRollout(key.app(), key.environment(), reason);
        }

        @Override
        String done(Rollout rollout) {
            return "Resumed.";
        }

        @Override
        String done(RolloutState state) {
            return "Resumed.";
        }
    }

    @Command(
            name = "promote",
            mixinStandardHelpOptions = true,
            description = {
                "Skips the remaining steps: every cluster not finished is promoted now, in the group's order (all"
                        + " traffic to the canary, stable moved to the new revision, traffic back to stable, the"
                        + " canary removed). Returns when done; a cluster that cannot be reached is tried again by"
                        + " `slipway rollout run`."
            },
            footerHeading = "%nExamples:%n",
            footer = {"  slipway rollout promote acme-web --env production"})
    static final class Promote extends Operation {
        @Override
        RolloutState apply(RolloutController controller, RolloutKey key, String actor) {
            return controller.promote(key, actor);
        }

        @Override
        Rollout apply(SlipwayClient client, RolloutKey key, Optional<String> reason) {
            return client.promoteRollout(key.app(), key.environment(), reason);
        }

        @Override
        String done(Rollout rollout) {
            return rollout.promoted() ? "Promoted." : "Promoting (the server finishes it).";
        }

        @Override
        String done(RolloutState state) {
            return state.promoted() ? "Promoted." : "Promoting.";
        }
    }

    @Command(
            name = "abort",
            mixinStandardHelpOptions = true,
            description = {
                "Sends all traffic back to stable at once and removes the canaries; clusters already promoted stay"
                        + " promoted (going back from them is `slipway rollback`)."
            },
            footerHeading = "%nExamples:%n",
            footer = {"  slipway rollout abort acme-web --env production --reason 'checkout errors in the logs'"})
    static final class Abort extends WithReason {
        Abort() {
            super("aborted", "Aborted: traffic is on stable.");
        }

        @Override
        RolloutState apply(RolloutController controller, RolloutKey key, String actor, String why) {
            return controller.abort(key, actor, why);
        }

        @Override
        Rollout apply(SlipwayClient client, RolloutKey key, Optional<String> reason) {
            return client.abortRollout(key.app(), key.environment(), reason);
        }
    }

    @Command(
            name = "retry",
            mixinStandardHelpOptions = true,
            description = {
                "Starts a stopped (aborted or failed) rollout again from its first step in the clusters it did not"
                        + " promote. Their canaries must run again first: deploy the revision again."
            },
            footerHeading = "%nExamples:%n",
            footer = {"  slipway rollout retry acme-web --env production"})
    static final class Retry extends Operation {
        @Override
        RolloutState apply(RolloutController controller, RolloutKey key, String actor) {
            return controller.retry(key, actor);
        }

        @Override
        Rollout apply(SlipwayClient client, RolloutKey key, Optional<String> reason) {
            return client.retryRollout(key.app(), key.environment(), reason);
        }

        @Override
        String done(Rollout rollout) {
            return "Started again.";
        }

        @Override
        String done(RolloutState state) {
            return "Started again.";
        }
    }
}
