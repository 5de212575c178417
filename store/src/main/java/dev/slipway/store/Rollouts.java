package dev.slipway.store;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * The state of each environment's rollout, as text this store does not interpret (the rollout controller's
 * JSON), with a version every save compares and sets: a save on a stale version changes nothing and says so,
 * so of two servers moving one rollout only one succeeds.
 */
public final class Rollouts {
    private static final String UNIQUE_VIOLATION = "23505";

    /** One environment's stored rollout. */
    public record RolloutRow(String app, String environment, String state, long version, Instant updatedAt) {}

    private final Jdbi jdbi;
    private final Clock clock;

    Rollouts(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    public Optional<RolloutRow> load(String app, String environment) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM rollouts WHERE app = :app AND environment = :env")
                .bind("app", app)
                .bind("env", environment)
                .map((rs, ctx) -> row(rs))
                .findOne());
    }

    /** Every stored rollout, finished ones included, by app and environment. */
    public List<RolloutRow> list() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM rollouts ORDER BY app, environment")
                .map((rs, ctx) -> row(rs))
                .list());
    }

    /**
     * Stores {@code state} as version {@code expectedVersion + 1} if the stored version is
     * {@code expectedVersion} (0: no row yet).
     *
     * @return whether it was stored; false when another version is stored (someone saved in between)
     */
    public boolean save(String app, String environment, String state, long expectedVersion) {
        long now = clock.millis();
        if (expectedVersion == 0) {
            try {
                return jdbi.withHandle(h -> h.createUpdate("INSERT INTO rollouts (app, environment, state, version,"
                                        + " updated_at) VALUES (:app, :env, :state, 1, :now)")
                                .bind("app", app)
                                .bind("env", environment)
                                .bind("state", state)
                                .bind("now", now)
                                .execute())
                        == 1;
            } catch (JdbiException e) {
                if (uniqueViolation(e)) {
                    return false;
                }
                throw e;
            }
        }
        return jdbi.withHandle(h -> h.createUpdate("UPDATE rollouts SET state = :state, version = :next,"
                                + " updated_at = :now WHERE app = :app AND environment = :env AND version = :expected")
                        .bind("state", state)
                        .bind("next", expectedVersion + 1)
                        .bind("now", now)
                        .bind("app", app)
                        .bind("env", environment)
                        .bind("expected", expectedVersion)
                        .execute())
                == 1;
    }

    private static RolloutRow row(java.sql.ResultSet rs) throws SQLException {
        return new RolloutRow(
                rs.getString("app"),
                rs.getString("environment"),
                rs.getString("state"),
                rs.getLong("version"),
                Millis.instant(rs, "updated_at"));
    }

    private static boolean uniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
