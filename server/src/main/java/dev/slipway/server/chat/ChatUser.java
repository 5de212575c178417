package dev.slipway.server.chat;

import java.util.Objects;

/**
 * Who wrote a chat command, as the chat service says: {@code provider} ({@code slack}), the user's id there (for
 * Slack, team and user id: {@code T123/U456}), their display name and the channel it was written in.
 */
public record ChatUser(String provider, String id, String name, String channel) {
    public ChatUser {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(channel, "channel");
    }

    /** How the audit log names an unlinked chat user: {@code slack:T1/U2 (alice)}. */
    public String describe() {
        return provider + ":" + id + " (" + name + ")";
    }
}
