package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.rollout.controller.ClusterRollout;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.server.chat.ChatCommand;
import dev.slipway.server.chat.ChatGrammar;
import dev.slipway.server.chat.ChatReply;
import dev.slipway.server.chat.ChatUser;
import dev.slipway.store.AppRecord;
import dev.slipway.store.ClusterProgress;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.EnvironmentRecord;
import dev.slipway.store.LabRecord;
import dev.slipway.store.LabState;
import dev.slipway.store.RequestSource;
import dev.slipway.store.Scope;
import dev.slipway.store.Store;
import dev.slipway.store.TokenRecord;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Runs chat commands ({@link ChatGrammar}) for a chat user, whatever the chat service: the person is the Slipway
 * token the chat user linked to ({@code link CODE}), acting with that token's name and scope; an unlinked user can
 * only link. Each action goes through what the REST API and the console use (the deploy queue, the rollout
 * controller, the lab rules), and every command is audited with the person, the channel, the command and the
 * outcome ({@code chat.command}, source {@code chat}).
 */
final class ChatCommands {
    private final Store store;
    private final Api api;
    private final ServerRollouts rollouts;
    private final LabActions labs;
    private final ChatKube kube;
    private final java.util.function.Supplier<String> server;

    /** @param server the server's URL, which answers link to (its console pages) */
    ChatCommands(
            Store store,
            Api api,
            ServerRollouts rollouts,
            LabActions labs,
            ChatKube kube,
            java.util.function.Supplier<String> server) {
        this.store = store;
        this.api = api;
        this.rollouts = rollouts;
        this.labs = labs;
        this.kube = kube;
        this.server = server;
    }

    /** The answer to {@code text} written by {@code user}; never throws for anything a person can write. */
    ChatReply run(ChatUser user, String text) {
        ChatCommand command = ChatGrammar.parse(text);
        if (command instanceof ChatCommand.Help help) {
            return audited(user, Optional.empty(), text, ChatReply.toPerson(help(help.problem())), "help");
        }
        if (command instanceof ChatCommand.Link link) {
            Optional<TokenRecord> linked =
                    store.chatLinks().redeem(link.code(), user.provider(), user.id(), user.name());
            ChatReply reply = linked.map(t -> ChatReply.toPerson("Linked: you act as " + t.name() + " (scope "
                            + t.scope().wireName() + ") from now on."))
                    .orElseGet(() -> ChatReply.toPerson("That code is unknown, used or expired. Ask for a new one"
                            + " (POST /api/chat/link-codes with your token) and say `link CODE` within 10 minutes."));
            // The code itself is a credential: never in the audit log.
            return audited(user, linked, "link", reply, linked.isPresent() ? "linked" : "refused");
        }
        Optional<TokenRecord> person = store.chatLinks().linked(user.provider(), user.id());
        if (person.isEmpty()) {
            return audited(
                    user,
                    person,
                    text,
                    ChatReply.toPerson("You are not linked to a Slipway user yet, so you can only link: ask for a code"
                            + " (POST /api/chat/link-codes with your token), then say `link CODE`."),
                    "refused: not linked");
        }
        Scope needed = needs(command);
        if (!person.get().scope().grants(needed)) {
            return audited(
                    user,
                    person,
                    text,
                    ChatReply.toPerson("That needs scope " + needed.wireName() + "; you ("
                            + person.get().name()
                            + ") have scope " + person.get().scope().wireName() + ". Ask an admin for a token with "
                            + needed.wireName() + " and link it."),
                    "refused: needs " + needed.wireName());
        }
        Caller caller = new Caller(person.get().name(), person.get().scope(), RequestSource.CHAT);
        ChatReply reply;
        String outcome;
        try {
            reply = act(command, caller);
            outcome = "ok";
        } catch (ApiException e) {
            reply = ChatReply.toPerson(describe(e.title(), e.problems()));
            outcome = "refused: " + e.title();
        } catch (InvalidInputException e) {
            reply = ChatReply.toPerson(describe("Refused", e.problems()));
            outcome = "refused";
        }
        return audited(user, person, text, reply, outcome);
    }

    private ChatReply act(ChatCommand command, Caller caller) {
        if (command instanceof ChatCommand.Deploy d) {
            AppRecord app = app(d.app());
            DeployRecord queued = api.queueDeploy(app, environment(app, d.environment()), d.ref(), caller);
            return new ChatReply(
                    caller.name() + " is deploying " + app.name()
                            + d.ref().map(r -> " " + r).orElse("") + " to "
                            + d.environment() + ": deploy " + queued.id() + " queued (" + server.get() + "/deploys/"
                            + queued.id() + ")",
                    true,
                    Optional.of(queued.id()));
        }
        if (command instanceof ChatCommand.Status s) {
            return ChatReply.toPerson(status(app(s.app()), s.environment()));
        }
        if (command instanceof ChatCommand.History h) {
            return ChatReply.toPerson(history(app(h.app()), h.environment()));
        }
        if (command instanceof ChatCommand.Rollout r) {
            return rollout(r, caller);
        }
        if (command instanceof ChatCommand.LabList l) {
            return ChatReply.toPerson(labList(l.app()));
        }
        if (command instanceof ChatCommand.LabDown l) {
            LabRecord after = labs.down(lab(l.app(), l.branch()), caller);
            return ChatReply.toChannel(caller.name() + " took down lab " + after.app() + "/" + after.branch() + ".");
        }
        if (command instanceof ChatCommand.LabExtend l) {
            LabRecord lab = lab(l.app(), l.branch());
            LabRecord extended =
                    labs.extend(lab, l.by().map(by -> labs.lifetime("by", by)).orElse(lab.ttl()), caller);
            return ChatReply.toChannel(caller.name() + " extended lab " + lab.app() + "/" + lab.branch()
                    + ": it expires at " + extended.expiresAt() + ".");
        }
        if (command instanceof ChatCommand.LabUp l) {
            AppRecord app = app(l.app());
            String commit = api.branchTip(app, l.branch())
                    .orElseThrow(() -> ApiException.notFound(
                            "branch " + l.branch(),
                            "the server sees no branch " + l.branch() + " in " + app.name() + "'s repository ("
                                    + app.directory() + ")",
                            "push the branch (and fetch it there), or run `slipway lab up` with the commit"));
            com.fasterxml.jackson.databind.JsonNode up = api.openLab(app, l.branch(), commit, Optional.empty(), caller);
            long deploy = up.path("deploy").path("id").asLong();
            String url = up.path("lab").path("url").asText("");
            return new ChatReply(
                    caller.name() + " is bringing up lab " + app.name() + "/" + l.branch() + " at "
                            + commit.substring(0, 12) + ": deploy " + deploy + " queued"
                            + (url.isEmpty() ? "" : ", it will answer at " + url) + " (" + server.get() + "/deploys/"
                            + deploy + ")",
                    true,
                    Optional.of(deploy));
        }
        if (command instanceof ChatCommand.Freeze f && f.everyApp()) {
            if (!f.freeze()) {
                api.freezeActions().unfreezeEveryApp(f.environment(), Optional.empty(), caller);
                return ChatReply.toChannel(caller.name() + " unfroze " + f.environment() + " for every app.");
            }
            dev.slipway.core.deploy.Freeze set = api.freezeActions()
                    .freezeEveryApp(f.environment(), Optional.empty(), f.lasting(), f.until(), f.reason(), caller);
            return ChatReply.toChannel(caller.name() + ": " + f.environment() + " is " + set.describe()
                    + ", for every app. Deploys are refused on every path until then.");
        }
        if (command instanceof ChatCommand.Freeze f) {
            AppRecord app = app(f.app());
            EnvironmentRecord env = environment(app, f.environment());
            if (!f.freeze()) {
                api.freezeActions().unfreeze(app, env.name(), caller);
                return ChatReply.toChannel(caller.name() + " unfroze " + app.name() + "/" + env.name() + ".");
            }
            dev.slipway.core.deploy.Freeze set =
                    api.freezeActions().freeze(app, env.name(), f.lasting(), f.until(), f.reason(), caller);
            return ChatReply.toChannel(caller.name() + ": " + app.name() + "/" + env.name() + " is " + set.describe()
                    + ". Deploys are refused on every path until then.");
        }
        if (command instanceof ChatCommand.Kube k) {
            // The app and environment come last, as in "kube get pods shop production".
            int n = k.args().size();
            if (n < 2) {
                return ChatReply.toPerson("kube " + k.verb() + " needs APP ENV at the end: " + ChatKube.USAGE);
            }
            AppRecord app = app(k.args().get(n - 2));
            EnvironmentRecord env = environment(app, k.args().get(n - 1));
            return ChatReply.toPerson(kube.run(caller, env, k.verb(), k.args().subList(0, n - 2)));
        }
        throw new IllegalStateException("help and link are answered before: " + command);
    }

    private ChatReply rollout(ChatCommand.Rollout r, Caller caller) {
        AppRecord app = app(r.app());
        EnvironmentRecord env = environment(app, r.environment());
        RolloutKey key = new RolloutKey(app.name(), env.name());
        if (r.action().equals("status")) {
            return ChatReply.toPerson(rollouts.status(key)
                    .map(this::describe)
                    .orElse(key + " has no rollout: a deploy of an environment with rollout: starts one."));
        }
        ServerRollouts.Action action = ServerRollouts.Action.valueOf(r.action().toUpperCase(Locale.ROOT));
        RolloutState after = rollouts.act(key, action, caller, r.reason());
        return ChatReply.toChannel(caller.name() + " asked to " + r.action() + " the rollout of " + key
                + r.reason().map(why -> " (" + why + ")").orElse("") + ".\n" + describe(after));
    }

    private String describe(RolloutState s) {
        StringBuilder out = new StringBuilder("rollout of " + s.key() + " to " + s.revision() + " by " + s.startedBy()
                + ": " + (s.settled() ? (s.promoted() ? "promoted" : "stopped") : "under way"));
        for (ClusterRollout c : s.clusters()) {
            out.append("\n- ")
                    .append(c.cluster())
                    .append(": ")
                    .append(c.status().name().toLowerCase(Locale.ROOT))
                    .append(", step ")
                    .append(c.step() + 1)
                    .append("/")
                    .append(s.spec().steps().size())
                    .append(", canary traffic ")
                    .append(c.stage().describe());
            c.lastCheck()
                    .ifPresent(k -> out.append(", last check ")
                            .append(k.verdict().wireName())
                            .append(" (")
                            .append(k.requests())
                            .append(" requests, ")
                            .append(k.errors())
                            .append(" errors)"));
        }
        return out.append("\n")
                .append(server.get())
                .append("/apps/")
                .append(s.key().app())
                .append("/environments/")
                .append(s.key().environment())
                .toString();
    }

    private String status(AppRecord app, String environment) {
        EnvironmentRecord env = environment(app, environment);
        List<DeployRecord> last = store.deploys().list(Optional.of(app.name()), Optional.of(env.name()), 1);
        String deploy = last.isEmpty() ? "never deployed" : "last deploy: " + line(last.get(0));
        String rollout = rollouts.status(new RolloutKey(app.name(), env.name()))
                .map(s -> "\n" + describe(s))
                .orElse("");
        return app.name() + "/" + env.name() + " (group " + env.clusterGroup() + ", namespace " + env.namespace()
                + "): " + deploy + rollout;
    }

    private String history(AppRecord app, String environment) {
        EnvironmentRecord env = environment(app, environment);
        List<DeployRecord> deploys = store.deploys().list(Optional.of(app.name()), Optional.of(env.name()), 10);
        if (deploys.isEmpty()) {
            return app.name() + "/" + env.name() + " was never deployed.";
        }
        return app.name() + "/" + env.name() + ", newest first:\n"
                + deploys.stream().map(d -> "- " + line(d)).collect(Collectors.joining("\n")) + "\nall: " + server.get()
                + "/apps/" + app.name() + "/environments/" + env.name();
    }

    private static String line(DeployRecord d) {
        return "#" + d.id() + " " + d.kind().name().toLowerCase(Locale.ROOT) + " "
                + d.state().name().toLowerCase(Locale.ROOT)
                + d.ref().map(r -> " of " + r).orElse("") + " by "
                + d.requestedBy() + " at " + d.createdAt() + " ("
                + d.clusters().stream().map(ChatCommands::cluster).collect(Collectors.joining(", ")) + ")";
    }

    private static String cluster(ClusterProgress c) {
        return c.cluster() + " " + c.state().name().toLowerCase(Locale.ROOT)
                + c.revision().map(r -> " r" + r).orElse("");
    }

    private String labList(Optional<String> app) {
        int shown = 20;
        List<LabRecord> live = store.labs().listLive(app, shown + 1, 0);
        if (live.isEmpty()) {
            return "No live labs" + app.map(a -> " of " + a).orElse("") + ".";
        }
        String list = live.stream()
                .limit(shown)
                .map(l -> "- " + l.app() + "/" + l.branch() + " at "
                        + l.ref().substring(0, Math.min(12, l.ref().length())) + ", expires " + l.expiresAt())
                .collect(Collectors.joining("\n"));
        return list + (live.size() > shown ? "\n... more at " + server.get() + "/labs" : "");
    }

    private AppRecord app(String name) {
        return api.app(name);
    }

    private static EnvironmentRecord environment(AppRecord app, String name) {
        return Api.environment(app, name);
    }

    private LabRecord lab(String app, String branch) {
        return store.labs()
                .find(app, branch)
                .filter(l -> l.state() != LabState.DELETED)
                .orElseThrow(() -> ApiException.notFound(
                        "lab " + app + "/" + branch,
                        "no live lab of " + app + " for branch " + branch,
                        "`lab list " + app + "` shows them"));
    }

    /** The scope a command needs: reading needs read, anything that changes something deploy. */
    private static Scope needs(ChatCommand command) {
        if (command instanceof ChatCommand.Status
                || command instanceof ChatCommand.History
                || command instanceof ChatCommand.LabList
                || command instanceof ChatCommand.Kube) {
            return Scope.READ;
        }
        if (command instanceof ChatCommand.Rollout r) {
            return r.action().equals("status") ? Scope.READ : Scope.DEPLOY;
        }
        if (command instanceof ChatCommand.Freeze f && f.everyApp()) {
            return Scope.ADMIN; // it stops every team, as the API's every-app freeze does
        }
        return Scope.DEPLOY;
    }

    private static String help(Optional<String> problem) {
        return problem.map(p -> "Not understood: " + p + ".\n").orElse("") + "Slipway understands:\n"
                + ChatGrammar.USAGE;
    }

    private static String describe(String title, List<Problem> problems) {
        return title + ": " + problems.stream().map(Problem::describe).collect(Collectors.joining("; "));
    }

    private ChatReply audited(
            ChatUser user, Optional<TokenRecord> person, String command, ChatReply reply, String outcome) {
        String actor = person.map(TokenRecord::name).orElse(user.describe());
        String said = command.length() > 200 ? command.substring(0, 200) + "..." : command;
        store.auditLog()
                .record(
                        actor,
                        "chat.command",
                        user.provider() + "/" + user.channel(),
                        RequestSource.CHAT,
                        user.describe() + " in " + user.channel() + ": " + said.strip() + " -> " + outcome);
        return reply;
    }
}
