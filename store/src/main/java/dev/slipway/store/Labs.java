package dev.slipway.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Review labs and the claims the reaper takes on them. A claim is a compare-and-set on the lab's row (and, on
 * PostgreSQL, candidates are read with {@code FOR UPDATE SKIP LOCKED}), so with several servers on one database each
 * expired lab is torn down by exactly one of them.
 */
public final class Labs {

    private final Jdbi jdbi;
    private final Clock clock;
    private final Dialect dialect;

    Labs(Jdbi jdbi, Clock clock, Dialect dialect) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.dialect = dialect;
    }

    /**
     * Creates the branch's lab, or updates it (new ref, last deploy now, expiry pushed to now + TTL); a lab reaped
     * earlier comes back to life in the same row.
     */
    public LabRecord open(LabOpening opening) {
        long now = clock.millis();
        long expires = now + opening.ttl().toMillis();
        long id = jdbi.inTransaction(h -> {
            Optional<Long> existing = h.createQuery("SELECT id FROM labs WHERE app = :app AND branch = :branch")
                    .bind("app", opening.app())
                    .bind("branch", opening.branch())
                    .mapTo(Long.class)
                    .findOne();
            if (existing.isPresent()) {
                h.createUpdate("UPDATE labs SET ref = :ref, last_deploy_at = :now, ttl_seconds = :ttl,"
                                + " expires_at = :expires, state = 'ACTIVE', claimed_by = NULL, claim_expires_at = NULL,"
                                + " reap_attempts = 0, last_error = NULL, deleted_at = NULL,"
                                + " created_by = CASE WHEN state = 'DELETED' THEN :actor ELSE created_by END,"
                                + " created_at = CASE WHEN state = 'DELETED' THEN :now ELSE created_at END"
                                + " WHERE id = :id")
                        .bind("ref", opening.ref())
                        .bind("now", now)
                        .bind("ttl", opening.ttl().toSeconds())
                        .bind("expires", expires)
                        .bind("actor", opening.actor())
                        .bind("id", existing.get())
                        .execute();
                return existing.get();
            }
            return h.createUpdate("INSERT INTO labs (app, branch, slug, namespace, ref, created_by, created_at,"
                            + " last_deploy_at, ttl_seconds, expires_at, state) VALUES (:app, :branch, :slug, :namespace,"
                            + " :ref, :actor, :now, :now, :ttl, :expires, 'ACTIVE')")
                    .bind("app", opening.app())
                    .bind("branch", opening.branch())
                    .bind("slug", opening.slug())
                    .bind("namespace", opening.namespace())
                    .bind("ref", opening.ref())
                    .bind("actor", opening.actor())
                    .bind("now", now)
                    .bind("ttl", opening.ttl().toSeconds())
                    .bind("expires", expires)
                    .executeAndReturnGeneratedKeys("id")
                    .mapTo(Long.class)
                    .one();
        });
        return find(id).orElseThrow();
    }

    /** Records a finished deploy of the lab: the expiry restarts from now. */
    public void touchDeployed(long labId) {
        long now = clock.millis();
        jdbi.useHandle(
                h -> h.createUpdate("UPDATE labs SET last_deploy_at = :now, expires_at = :now + ttl_seconds * 1000"
                                + " WHERE id = :id AND state = 'ACTIVE'")
                        .bind("now", now)
                        .bind("id", labId)
                        .execute());
    }

    /** Pushes an active lab's expiry back by {@code by}; empty if there is no such active lab. */
    public Optional<LabRecord> extend(long labId, Duration by) {
        int updated = jdbi.withHandle(
                h -> h.createUpdate("UPDATE labs SET expires_at = expires_at + :by WHERE id = :id AND state = 'ACTIVE'")
                        .bind("by", by.toMillis())
                        .bind("id", labId)
                        .execute());
        return updated == 1 ? find(labId) : Optional.empty();
    }

    public Optional<LabRecord> find(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM labs WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> lab(rs))
                .findOne());
    }

    /** The lab of a branch (in any state), if it was ever brought up. */
    public Optional<LabRecord> find(String app, String branch) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM labs WHERE app = :app AND branch = :branch")
                .bind("app", app)
                .bind("branch", branch)
                .map((rs, ctx) -> lab(rs))
                .findOne());
    }

    /** Whether some lab row (of any app or branch) already uses this namespace. */
    public Optional<LabRecord> findByNamespace(String namespace) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM labs WHERE namespace = :namespace")
                .bind("namespace", namespace)
                .map((rs, ctx) -> lab(rs))
                .findOne());
    }

    /** Labs not yet deleted, of one app or all, soonest expiry first. */
    public List<LabRecord> listLive(Optional<String> app) {
        return listLive(app, Integer.MAX_VALUE, 0);
    }

    /** One page of {@link #listLive(Optional)}. */
    public List<LabRecord> listLive(Optional<String> app, int limit, int offset) {
        return jdbi.withHandle(h -> {
            var query = h.createQuery(
                    "SELECT * FROM labs WHERE state <> 'DELETED'" + (app.isPresent() ? " AND app = :app" : "")
                            + " ORDER BY expires_at, id LIMIT :limit OFFSET :offset");
            app.ifPresent(a -> query.bind("app", a));
            return query.bind("limit", limit)
                    .bind("offset", offset)
                    .map((rs, ctx) -> lab(rs))
                    .list();
        });
    }

    /**
     * Claims up to {@code limit} labs for deletion by {@code holder}: expired active labs, and labs whose earlier
     * claim ran out (a reaper died, or a failed attempt's retry time came). The claim lasts {@code claimFor}.
     */
    public List<LabRecord> claimExpired(String holder, int limit, Duration claimFor) {
        long now = clock.millis();
        List<Long> claimed = jdbi.inTransaction(h -> {
            List<Long> candidates = h.createQuery("SELECT id FROM labs WHERE (state = 'ACTIVE' AND expires_at <= :now)"
                            + " OR (state = 'REAPING' AND claim_expires_at <= :now) ORDER BY expires_at, id LIMIT :limit"
                            + dialect.skipLocked())
                    .bind("now", now)
                    .bind("limit", limit)
                    .mapTo(Long.class)
                    .list();
            List<Long> won = new ArrayList<>();
            for (long id : candidates) {
                int moved = h.createUpdate(
                                "UPDATE labs SET state = 'REAPING', claimed_by = :holder,"
                                        + " claim_expires_at = :until, reap_attempts = reap_attempts + 1 WHERE id = :id AND"
                                        + " ((state = 'ACTIVE' AND expires_at <= :now) OR (state = 'REAPING' AND claim_expires_at <= :now))")
                        .bind("holder", holder)
                        .bind("until", now + claimFor.toMillis())
                        .bind("id", id)
                        .bind("now", now)
                        .execute();
                if (moved == 1) {
                    won.add(id);
                }
            }
            return won;
        });
        return claimed.stream().map(id -> find(id).orElseThrow()).toList();
    }

    /** Claims one active lab for deletion now ({@code lab down}); empty if it is not active. */
    public Optional<LabRecord> claimForDown(long labId, String holder, Duration claimFor) {
        long now = clock.millis();
        int moved = jdbi.withHandle(h -> h.createUpdate(
                        "UPDATE labs SET state = 'REAPING', claimed_by = :holder,"
                                + " claim_expires_at = :until, reap_attempts = reap_attempts + 1 WHERE id = :id AND state = 'ACTIVE'")
                .bind("holder", holder)
                .bind("until", now + claimFor.toMillis())
                .bind("id", labId)
                .execute());
        return moved == 1 ? find(labId) : Optional.empty();
    }

    /** Records that {@code holder} deleted the lab; false if its claim was lost meanwhile. */
    public boolean markDeleted(long labId, String holder) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE labs SET state = 'DELETED', deleted_at = :now,"
                                + " claimed_by = NULL, claim_expires_at = NULL, last_error = NULL"
                                + " WHERE id = :id AND state = 'REAPING' AND claimed_by = :holder")
                        .bind("now", clock.millis())
                        .bind("id", labId)
                        .bind("holder", holder)
                        .execute())
                == 1;
    }

    /** Records a failed deletion; the lab is claimable again from {@code retryAt}. */
    public void recordFailure(long labId, String holder, String error, Instant retryAt) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE labs SET last_error = :error, claim_expires_at = :retry"
                        + " WHERE id = :id AND state = 'REAPING' AND claimed_by = :holder")
                .bind("error", Millis.clip(error))
                .bind("retry", retryAt.toEpochMilli())
                .bind("id", labId)
                .bind("holder", holder)
                .execute());
    }

    /**
     * Labs up now (overdue ones included), those of them whose expiry falls within {@code within} of {@code now}, and labs past their expiry
     * not yet deleted (up or being reaped): what the server's metrics show, read in one query.
     */
    public Counts counts(Instant now, Duration within) {
        long at = now.toEpochMilli();
        return jdbi.withHandle(h -> h.createQuery("SELECT"
                        + " COALESCE(SUM(CASE WHEN state = 'ACTIVE' THEN 1 ELSE 0 END), 0) AS up,"
                        + " COALESCE(SUM(CASE WHEN state = 'ACTIVE' AND expires_at > :now AND expires_at <= :soon"
                        + " THEN 1 ELSE 0 END), 0) AS expiring,"
                        + " COALESCE(SUM(CASE WHEN expires_at <= :now THEN 1 ELSE 0 END), 0) AS overdue"
                        + " FROM labs WHERE state <> 'DELETED'")
                .bind("now", at)
                .bind("soon", at + within.toMillis())
                .map((rs, ctx) -> new Counts(rs.getInt("up"), rs.getInt("expiring"), rs.getInt("overdue")))
                .one());
    }

    /** See {@link #counts}. */
    public record Counts(int active, int expiring, int overdue) {}

    /** How many labs are not yet deleted. */
    public int liveCount() {
        return liveCount(Optional.empty());
    }

    /** How many labs {@link #listLive(Optional)} would list: not yet deleted, of one app or all. */
    public int liveCount(Optional<String> app) {
        return jdbi.withHandle(h -> {
            var query = h.createQuery(
                    "SELECT COUNT(*) FROM labs WHERE state <> 'DELETED'" + (app.isPresent() ? " AND app = :app" : ""));
            app.ifPresent(a -> query.bind("app", a));
            return query.mapTo(Integer.class).one();
        });
    }

    private static LabRecord lab(ResultSet rs) throws SQLException {
        return new LabRecord(
                rs.getLong("id"),
                rs.getString("app"),
                rs.getString("branch"),
                rs.getString("slug"),
                rs.getString("namespace"),
                rs.getString("ref"),
                rs.getString("created_by"),
                Millis.instant(rs, "created_at"),
                Millis.instant(rs, "last_deploy_at"),
                Duration.ofSeconds(rs.getLong("ttl_seconds")),
                Millis.instant(rs, "expires_at"),
                LabState.valueOf(rs.getString("state")),
                Millis.optionalString(rs, "claimed_by"),
                rs.getInt("reap_attempts"),
                Millis.optionalString(rs, "last_error"),
                Millis.optionalInstant(rs, "deleted_at"));
    }
}
