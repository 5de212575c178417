package dev.slipway.server.chat;

import java.util.Optional;

/**
 * What Slipway answers a chat command: the text, whether the whole channel sees it (actions) or only the person
 * (reads, refusals, help), and the deploy to report on later when it finishes.
 */
public record ChatReply(String text, boolean inChannel, Optional<Long> followDeploy) {
    /** Longest answer sent; longer ones are trimmed with a link to the console. */
    public static final int MAX_TEXT = 3000;

    public static ChatReply toPerson(String text) {
        return new ChatReply(text, false, Optional.empty());
    }

    public static ChatReply toChannel(String text) {
        return new ChatReply(text, true, Optional.empty());
    }

    /** The text, trimmed to {@link #MAX_TEXT} with where to read the rest. */
    public String trimmed(String more) {
        if (text.length() <= MAX_TEXT) {
            return text;
        }
        String tail = "\n... (trimmed; the rest at " + more + ")";
        return text.substring(0, MAX_TEXT - tail.length()) + tail;
    }
}
