package dev.slipway.server.chat;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one grammar of Slipway's chat commands, for every chat front end (Slack's slash command, chatops-rpc): a
 * message is split on white space, its first words name the command (any case), the rest are its arguments.
 * Anything it does not understand becomes {@link ChatCommand.Help} saying what was wrong; it never throws.
 */
public final class ChatGrammar {
    /** Names of apps, environments, branches and refs as chat may write them. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/@+-]{0,199}");

    private static final int MAX_LENGTH = 4000;

    /** What a person can say, one line per command. */
    public static final String USAGE = String.join(
            "\n",
            "deploy APP [REF] to ENV",
            "lab up APP BRANCH | lab list [APP] | lab down APP BRANCH | lab extend APP BRANCH [24h]",
            "status APP ENV | history APP ENV",
            "rollout status|pause|resume|promote|abort APP ENV [reason...]",
            "freeze APP ENV [--for 2h | --until T] reason... | unfreeze APP ENV",
            "freeze all ENV [--for 2h | --until T] reason... | unfreeze all ENV (every app; admin)",
            "kube get KIND [NAME] APP ENV | kube describe KIND NAME APP ENV | kube logs POD [CONTAINER] APP ENV",
            "kube events APP ENV | kube rollout-status DEPLOYMENT APP ENV",
            "link CODE (once: the code `slipway login` or POST /api/chat/link-codes gives you)",
            "help");

    private static final List<String> ROLLOUT_ACTIONS = List.of("status", "pause", "resume", "promote", "abort");
    private static final List<String> KUBE_VERBS = List.of("get", "describe", "logs", "events", "rollout-status");

    private ChatGrammar() {}

    public static ChatCommand parse(String message) {
        if (message == null || message.isBlank()) {
            return new ChatCommand.Help(Optional.empty());
        }
        if (message.length() > MAX_LENGTH) {
            return help("the message is longer than " + MAX_LENGTH + " characters");
        }
        List<String> words = Arrays.asList(message.strip().split("\\s+"));
        String first = words.get(0).toLowerCase(Locale.ROOT);
        List<String> rest = words.subList(1, words.size());
        return switch (first) {
            case "help" -> new ChatCommand.Help(Optional.empty());
            case "link" ->
                rest.isEmpty()
                        ? help("link needs the code you were given")
                        : new ChatCommand.Link(String.join("", rest));
            case "deploy" -> deploy(rest);
            case "lab" -> lab(rest);
            case "status", "history" ->
                appAndEnvironment(first, rest)
                        .map(p -> first.equals("status")
                                ? (ChatCommand) new ChatCommand.Status(p[0], p[1])
                                : new ChatCommand.History(p[0], p[1]))
                        .orElseGet(() -> help(first + " needs APP ENV"));
            case "rollout" -> rollout(rest);
            case "freeze", "unfreeze" -> freeze(first.equals("freeze"), rest);
            case "kube" ->
                rest.isEmpty() || !KUBE_VERBS.contains(rest.get(0).toLowerCase(Locale.ROOT))
                        ? help("kube takes one of " + String.join(", ", KUBE_VERBS))
                        : new ChatCommand.Kube(
                                rest.get(0).toLowerCase(Locale.ROOT), List.copyOf(rest.subList(1, rest.size())));
            default -> help("'" + clip(words.get(0)) + "' is not a command");
        };
    }

    private static ChatCommand deploy(List<String> rest) {
        // deploy APP to ENV | deploy APP REF to ENV
        int to = rest.indexOf("to");
        if (to < 1 || to > 2 || rest.size() != to + 2 || !names(rest)) {
            return help("deploy is: deploy APP [REF] to ENV");
        }
        return new ChatCommand.Deploy(
                rest.get(0), to == 2 ? Optional.of(rest.get(1)) : Optional.empty(), rest.get(to + 1));
    }

    private static ChatCommand freeze(boolean freeze, List<String> rest) {
        String usage = freeze ? "freeze APP ENV [--for 2h | --until T] REASON..." : "unfreeze APP ENV";
        if (rest.size() < 2 || !names(rest.subList(0, 2))) {
            return help((freeze ? "freeze" : "unfreeze") + " is: " + usage);
        }
        if (!freeze) {
            return rest.size() == 2
                    ? new ChatCommand.Freeze(false, rest.get(0), rest.get(1), Optional.empty(), Optional.empty(), "")
                    : help("unfreeze is: " + usage);
        }
        Optional<String> lasting = Optional.empty();
        Optional<String> until = Optional.empty();
        int i = 2;
        if (i + 1 < rest.size() && rest.get(i).equals("--for")) {
            lasting = Optional.of(rest.get(i + 1));
            i += 2;
        } else if (i + 1 < rest.size() && rest.get(i).equals("--until")) {
            until = Optional.of(rest.get(i + 1));
            i += 2;
        }
        String reason = String.join(" ", rest.subList(i, rest.size())).strip();
        if (reason.isEmpty()) {
            return help("freeze needs a reason, shown to everyone refused: " + usage);
        }
        return new ChatCommand.Freeze(
                true,
                rest.get(0),
                rest.get(1),
                lasting,
                until,
                reason.length() > 500 ? reason.substring(0, 500) : reason);
    }

    private static ChatCommand lab(List<String> rest) {
        if (rest.isEmpty()) {
            return help("lab takes up, list, down or extend");
        }
        String verb = rest.get(0).toLowerCase(Locale.ROOT);
        List<String> args = rest.subList(1, rest.size());
        if (!names(args)) {
            return help("lab " + clip(verb) + ": names are letters, digits and . _ / @ + -");
        }
        return switch (verb) {
            case "up" -> args.size() == 2 ? new ChatCommand.LabUp(args.get(0), args.get(1)) : help("lab up APP BRANCH");
            case "down" ->
                args.size() == 2 ? new ChatCommand.LabDown(args.get(0), args.get(1)) : help("lab down APP BRANCH");
            case "extend" ->
                args.size() == 2 || args.size() == 3
                        ? new ChatCommand.LabExtend(
                                args.get(0),
                                args.get(1),
                                args.size() == 3 ? Optional.of(args.get(2)) : Optional.empty())
                        : help("lab extend APP BRANCH [BY]");
            case "list" ->
                args.size() <= 1 ? new ChatCommand.LabList(args.stream().findFirst()) : help("lab list [APP]");
            default -> help("lab takes up, list, down or extend, not '" + clip(verb) + "'");
        };
    }

    private static ChatCommand rollout(List<String> rest) {
        if (rest.size() < 3 || !ROLLOUT_ACTIONS.contains(rest.get(0).toLowerCase(Locale.ROOT))) {
            return help("rollout is: rollout " + String.join("|", ROLLOUT_ACTIONS) + " APP ENV [reason...]");
        }
        if (!names(rest.subList(1, 3))) {
            return help("rollout needs APP ENV");
        }
        String reason = String.join(" ", rest.subList(3, rest.size()));
        return new ChatCommand.Rollout(
                rest.get(0).toLowerCase(Locale.ROOT),
                rest.get(1),
                rest.get(2),
                reason.isEmpty()
                        ? Optional.empty()
                        : Optional.of(reason.length() > 500 ? reason.substring(0, 500) : reason));
    }

    private static Optional<String[]> appAndEnvironment(String command, List<String> rest) {
        return rest.size() == 2 && names(rest)
                ? Optional.of(new String[] {rest.get(0), rest.get(1)})
                : Optional.empty();
    }

    private static boolean names(List<String> words) {
        return words.stream().allMatch(w -> NAME.matcher(w).matches());
    }

    private static ChatCommand.Help help(String problem) {
        return new ChatCommand.Help(Optional.of(problem));
    }

    private static String clip(String word) {
        String printable = word.replaceAll("[^\\p{Graph}]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }
}
