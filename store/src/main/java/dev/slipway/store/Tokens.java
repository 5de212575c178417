package dev.slipway.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * API tokens. Secrets carry 256 random bits, so an unsalted SHA-256 is enough to store them: it cannot be reversed
 * and lets a request be authenticated with one indexed lookup.
 */
public final class Tokens {

    /** Every token secret starts with this, so leaked ones are easy to spot in logs and repositories. */
    public static final String PREFIX = "slw_";

    // Writing last-used on every request would turn every read into a write; once a minute is plenty.
    private static final long LAST_USED_RESOLUTION_MILLIS = 60_000;

    private final Jdbi jdbi;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    Tokens(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Creates a token and returns its secret, which is not stored anywhere. */
    public IssuedToken issue(String name, Scope scope, String createdBy) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        long id = jdbi.withHandle(h -> h.createUpdate("INSERT INTO tokens (name, hash, scopes, created_by, created_at)"
                        + " VALUES (:name, :hash, :scope, :by, :now)")
                .bind("name", name)
                .bind("hash", hash(secret))
                .bind("scope", scope.name())
                .bind("by", createdBy)
                .bind("now", clock.millis())
                .executeAndReturnGeneratedKeys("id")
                .mapTo(Long.class)
                .one());
        return new IssuedToken(find(id).orElseThrow(), secret);
    }

    /** The live (not revoked) token with this secret. */
    public Optional<TokenRecord> authenticate(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            return Optional.empty();
        }
        Optional<TokenRecord> token =
                jdbi.withHandle(h -> h.createQuery("SELECT * FROM tokens WHERE hash = :hash AND revoked_at IS NULL")
                        .bind("hash", hash(secret))
                        .map((rs, ctx) -> token(rs))
                        .findOne());
        long now = clock.millis();
        token.filter(t -> t.lastUsedAt()
                        .map(at -> now - at.toEpochMilli() >= LAST_USED_RESOLUTION_MILLIS)
                        .orElse(true))
                .ifPresent(
                        t -> jdbi.useHandle(h -> h.createUpdate("UPDATE tokens SET last_used_at = :now WHERE id = :id")
                                .bind("now", now)
                                .bind("id", t.id())
                                .execute()));
        return token;
    }

    public Optional<TokenRecord> find(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM tokens WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> token(rs))
                .findOne());
    }

    /** Every token, revoked ones included, oldest first. */
    public List<TokenRecord> list() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM tokens ORDER BY id")
                .map((rs, ctx) -> token(rs))
                .list());
    }

    /** Revokes a token; false if it does not exist or was revoked already. */
    public boolean revoke(long id) {
        return jdbi.withHandle(
                        h -> h.createUpdate("UPDATE tokens SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
                                .bind("now", clock.millis())
                                .bind("id", id)
                                .execute())
                == 1;
    }

    /** How many tokens were ever issued; zero means the server has never started on this store. */
    public int count() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM tokens")
                .mapTo(Integer.class)
                .one());
    }

    /** The SHA-256 under which a 256-bit secret (a token, a console session) is stored. */
    static String hash(String secret) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static TokenRecord token(ResultSet rs) throws SQLException {
        return new TokenRecord(
                rs.getLong("id"),
                rs.getString("name"),
                Scope.valueOf(rs.getString("scopes")),
                rs.getString("created_by"),
                Millis.instant(rs, "created_at"),
                Millis.optionalInstant(rs, "last_used_at"),
                Millis.optionalInstant(rs, "revoked_at"));
    }
}
