package dev.slipway.server.chat;

import java.util.List;
import java.util.Optional;

/** What a chat message asks for, read by {@link ChatGrammar}: one record per command of the grammar. */
public sealed interface ChatCommand {

    /** The help text, with why the message was not understood when it was not. */
    record Help(Optional<String> problem) implements ChatCommand {}

    /** {@code link CODE}: link this chat user to the Slipway token that asked for the code. */
    record Link(String code) implements ChatCommand {}

    /** {@code deploy APP [REF] to ENV}. */
    record Deploy(String app, Optional<String> ref, String environment) implements ChatCommand {}

    /** {@code lab up APP BRANCH}. */
    record LabUp(String app, String branch) implements ChatCommand {}

    /** {@code lab list [APP]}. */
    record LabList(Optional<String> app) implements ChatCommand {}

    /** {@code lab down APP BRANCH}. */
    record LabDown(String app, String branch) implements ChatCommand {}

    /** {@code lab extend APP BRANCH [BY]}. */
    record LabExtend(String app, String branch, Optional<String> by) implements ChatCommand {}

    /** {@code status APP ENV}. */
    record Status(String app, String environment) implements ChatCommand {}

    /** {@code history APP ENV}. */
    record History(String app, String environment) implements ChatCommand {}

    /** {@code rollout status|pause|resume|promote|abort APP ENV [REASON...]}. */
    record Rollout(String action, String app, String environment, Optional<String> reason) implements ChatCommand {}

    /**
     * {@code freeze APP ENV [--for 2h | --until T] REASON...} and {@code unfreeze APP ENV}.
     *
     * @param lasting the {@code --for} duration as written
     * @param until the {@code --until} time as written
     */
    /** {@code freeze APP ENV ...}; an {@code app} of {@link #EVERY_APP} ("all") freezes ENV for every app. */
    record Freeze(
            boolean freeze,
            String app,
            String environment,
            Optional<String> lasting,
            Optional<String> until,
            String reason)
            implements ChatCommand {
        public static final String EVERY_APP = "all";

        public boolean everyApp() {
            return app.equals(EVERY_APP);
        }
    }

    /** {@code kube get|describe|logs|events|rollout-status ...}. */
    record Kube(String verb, List<String> args) implements ChatCommand {}
}
