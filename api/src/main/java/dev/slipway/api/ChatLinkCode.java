package dev.slipway.api;

import java.time.Instant;

/**
 * A one-time code that links a chat user to the token that asked for it.
 *
 * @param code what to say after {@code link}
 * @param expiresAt until when it can be used (10 minutes)
 * @param say the whole chat message: {@code link CODE}
 */
public record ChatLinkCode(String code, Instant expiresAt, String say) {}
