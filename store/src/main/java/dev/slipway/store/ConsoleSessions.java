package dev.slipway.store;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Web console sessions. The cookie carries a 256-bit random secret; only its SHA-256 is stored (as for tokens),
 * with the token the user logged in with, the session's CSRF token and its expiry. A session is live while it
 * has not expired and its token is not revoked: revoking a token logs its pages out at their next request.
 */
public final class ConsoleSessions {
    private final Jdbi jdbi;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /** A live session: who (the token) and the CSRF token its forms must carry. */
    public record Session(TokenRecord token, String csrf, Instant expiresAt) {}

    /** A new session's cookie secret, which is stored nowhere, and the session. */
    public record Opened(String secret, Session session) {}

    ConsoleSessions(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Opens a session for {@code token}, live for {@code ttl}. */
    public Opened open(TokenRecord token, Duration ttl) {
        String secret = randomText();
        String csrf = randomText();
        long now = clock.millis();
        long expires = now + ttl.toMillis();
        jdbi.useHandle(h -> {
            // Expired sessions are of no use to anyone: each login clears them away.
            h.createUpdate("DELETE FROM console_sessions WHERE expires_at <= :now")
                    .bind("now", now)
                    .execute();
            h.createUpdate("INSERT INTO console_sessions (hash, token_id, csrf, created_at, expires_at)"
                            + " VALUES (:hash, :token, :csrf, :now, :expires)")
                    .bind("hash", Tokens.hash(secret))
                    .bind("token", token.id())
                    .bind("csrf", csrf)
                    .bind("now", now)
                    .bind("expires", expires)
                    .execute();
        });
        return new Opened(secret, new Session(token, csrf, Instant.ofEpochMilli(expires)));
    }

    /** The live session whose cookie secret is {@code secret}: not expired, its token not revoked. */
    public Optional<Session> find(String secret, Tokens tokens) {
        if (secret == null || secret.isEmpty() || secret.length() > 100) {
            return Optional.empty();
        }
        long now = clock.millis();
        return jdbi.withHandle(h -> h.createQuery(
                                "SELECT token_id, csrf, expires_at FROM console_sessions WHERE hash = :hash"
                                        + " AND expires_at > :now")
                        .bind("hash", Tokens.hash(secret))
                        .bind("now", now)
                        .map((rs, ctx) -> new Object[] {rs.getLong(1), rs.getString(2), rs.getLong(3)})
                        .findOne())
                .flatMap(row -> tokens.find((Long) row[0])
                        .filter(t -> t.revokedAt().isEmpty())
                        .map(t -> new Session(t, (String) row[1], Instant.ofEpochMilli((Long) row[2]))));
    }

    /** Ends the session (logout); false when there was none. */
    public boolean close(String secret) {
        if (secret == null || secret.isEmpty()) {
            return false;
        }
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM console_sessions WHERE hash = :hash")
                        .bind("hash", Tokens.hash(secret))
                        .execute())
                == 1;
    }

    private String randomText() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
