package dev.slipway.store;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Which Slipway token a chat user acts as. The token's holder asks for a one-time code (through the API), then
 * says {@code link CODE} in chat: from then on that chat user acts with the token's name and scope, until the
 * token is revoked or the user is unlinked. Codes are short enough to type, live {@link #CODE_TTL}, work once,
 * and only their SHA-256 is stored.
 */
public final class ChatLinks {
    /** How long a link code can be used. */
    public static final Duration CODE_TTL = Duration.ofMinutes(10);

    /** Letters and digits that cannot be mistaken for one another when typed (no 0/O, 1/I/L). */
    private static final char[] ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789".toCharArray();

    private static final int CODE_LENGTH = 10;

    private final Jdbi jdbi;
    private final Clock clock;
    private final Tokens tokens;
    private final SecureRandom random = new SecureRandom();

    /** A new code, which is stored nowhere, and until when it can be used. */
    public record Code(String code, Instant expiresAt) {}

    ChatLinks(Jdbi jdbi, Clock clock, Tokens tokens) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.tokens = tokens;
    }

    /** A one-time code that links a chat user to {@code token}. */
    public Code issueCode(TokenRecord token) {
        StringBuilder code = new StringBuilder(CODE_LENGTH);
        for (int i = 0; i < CODE_LENGTH; i++) {
            code.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        long now = clock.millis();
        long expires = now + CODE_TTL.toMillis();
        jdbi.useHandle(h -> {
            h.createUpdate("DELETE FROM chat_link_codes WHERE expires_at <= :now")
                    .bind("now", now)
                    .execute();
            h.createUpdate("INSERT INTO chat_link_codes (hash, token_id, expires_at) VALUES (:hash, :token, :expires)")
                    .bind("hash", Tokens.hash(code.toString()))
                    .bind("token", token.id())
                    .bind("expires", expires)
                    .execute();
        });
        return new Code(code.toString(), Instant.ofEpochMilli(expires));
    }

    /**
     * Uses {@code code} (any case, spaces ignored) to link {@code chatUser} of {@code provider}: the token it links
     * to, or empty when the code is unknown, used, expired or its token revoked. A code works once, even when the
     * link fails.
     */
    public Optional<TokenRecord> redeem(String code, String provider, String chatUser, String chatName) {
        String typed = code.replace(" ", "").toUpperCase(Locale.ROOT);
        if (typed.isEmpty() || typed.length() > 40) {
            return Optional.empty();
        }
        String hash = Tokens.hash(typed);
        long now = clock.millis();
        return jdbi.inTransaction(h -> {
            Optional<Long> tokenId = h.createQuery(
                            "SELECT token_id FROM chat_link_codes WHERE hash = :hash AND expires_at > :now")
                    .bind("hash", hash)
                    .bind("now", now)
                    .mapTo(Long.class)
                    .findOne();
            if (h.createUpdate("DELETE FROM chat_link_codes WHERE hash = :hash")
                                    .bind("hash", hash)
                                    .execute()
                            == 0
                    || tokenId.isEmpty()) {
                return Optional.empty();
            }
            Optional<TokenRecord> token =
                    tokens.find(tokenId.get()).filter(t -> t.revokedAt().isEmpty());
            if (token.isEmpty()) {
                return Optional.empty();
            }
            h.createUpdate("DELETE FROM chat_links WHERE provider = :provider AND chat_user = :user")
                    .bind("provider", provider)
                    .bind("user", chatUser)
                    .execute();
            h.createUpdate("INSERT INTO chat_links (provider, chat_user, chat_name, token_id, linked_at)"
                            + " VALUES (:provider, :user, :name, :token, :now)")
                    .bind("provider", provider)
                    .bind("user", chatUser)
                    .bind("name", chatName)
                    .bind("token", token.get().id())
                    .bind("now", now)
                    .execute();
            return token;
        });
    }

    /** The token {@code chatUser} acts as: empty when not linked, or when its token was revoked. */
    public Optional<TokenRecord> linked(String provider, String chatUser) {
        return jdbi.withHandle(h -> h.createQuery(
                                "SELECT token_id FROM chat_links WHERE provider = :provider AND chat_user = :user")
                        .bind("provider", provider)
                        .bind("user", chatUser)
                        .mapTo(Long.class)
                        .findOne())
                .flatMap(tokens::find)
                .filter(t -> t.revokedAt().isEmpty());
    }

    /** Unlinks {@code chatUser}; false when it was not linked. */
    public boolean unlink(String provider, String chatUser) {
        return jdbi.withHandle(
                        h -> h.createUpdate("DELETE FROM chat_links WHERE provider = :provider AND chat_user = :user")
                                .bind("provider", provider)
                                .bind("user", chatUser)
                                .execute())
                == 1;
    }
}
