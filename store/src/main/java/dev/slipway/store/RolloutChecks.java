package dev.slipway.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jdbi.v3.core.Jdbi;

/**
 * The analysis checks of each environment's rollout, one per window the rollout controller judged: the canary's
 * and stable's requests, errors and p99 side by side, which the console charts. Rows are appended as checks happen
 * and read newest-bounded, so a chart costs one indexed query however long the rollout ran.
 */
public final class RolloutChecks {

    /**
     * One judged window.
     *
     * @param id the row's id, increasing in the order checks were recorded (0 before it is stored)
     * @param clusters the clusters judged together, comma-separated
     * @param at when the window ended
     * @param windowMillis how long it was
     * @param verdict {@code pass}, {@code wait} or {@code breach}
     */
    public record CheckRow(
            long id,
            String app,
            String environment,
            String clusters,
            Instant at,
            long windowMillis,
            long requests,
            long errors,
            long canaryP99Micros,
            long stableRequests,
            long stableErrors,
            long stableP99Micros,
            String verdict) {
        public CheckRow {
            Objects.requireNonNull(app, "app");
            Objects.requireNonNull(environment, "environment");
            Objects.requireNonNull(clusters, "clusters");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(verdict, "verdict");
        }
    }

    private final Jdbi jdbi;

    RolloutChecks(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Appends a check; its id is returned. */
    public long record(CheckRow c) {
        return jdbi.withHandle(h -> h.createUpdate("INSERT INTO rollout_checks (app, environment, clusters,"
                        + " checked_at, window_millis, requests, errors, canary_p99_micros, stable_requests,"
                        + " stable_errors, stable_p99_micros, verdict) VALUES (:app, :env, :clusters, :at, :window,"
                        + " :requests, :errors, :canaryP99, :stableRequests, :stableErrors, :stableP99, :verdict)")
                .bind("app", c.app())
                .bind("env", c.environment())
                .bind("clusters", c.clusters())
                .bind("at", c.at().toEpochMilli())
                .bind("window", c.windowMillis())
                .bind("requests", c.requests())
                .bind("errors", c.errors())
                .bind("canaryP99", c.canaryP99Micros())
                .bind("stableRequests", c.stableRequests())
                .bind("stableErrors", c.stableErrors())
                .bind("stableP99", c.stableP99Micros())
                .bind("verdict", c.verdict())
                .executeAndReturnGeneratedKeys("id")
                .mapTo(Long.class)
                .one());
    }

    /** The environment's last {@code limit} checks with an id above {@code afterId}, oldest first. */
    public List<CheckRow> recent(String app, String environment, long afterId, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        List<CheckRow> newestFirst = jdbi.withHandle(h -> h.createQuery("SELECT * FROM rollout_checks"
                        + " WHERE app = :app AND environment = :env AND id > :after ORDER BY id DESC LIMIT :limit")
                .bind("app", app)
                .bind("env", environment)
                .bind("after", afterId)
                .bind("limit", limit)
                .map((rs, ctx) -> row(rs))
                .list());
        List<CheckRow> oldestFirst = new ArrayList<>(newestFirst);
        Collections.reverse(oldestFirst);
        return List.copyOf(oldestFirst);
    }

    /** Deletes the environment's checks of windows that ended before {@code before}; returns how many. */
    public int deleteBefore(String app, String environment, Instant before) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM rollout_checks WHERE app = :app AND environment = :env"
                        + " AND checked_at < :before")
                .bind("app", app)
                .bind("env", environment)
                .bind("before", before.toEpochMilli())
                .execute());
    }

    private static CheckRow row(ResultSet rs) throws SQLException {
        return new CheckRow(
                rs.getLong("id"),
                rs.getString("app"),
                rs.getString("environment"),
                rs.getString("clusters"),
                Instant.ofEpochMilli(rs.getLong("checked_at")),
                rs.getLong("window_millis"),
                rs.getLong("requests"),
                rs.getLong("errors"),
                rs.getLong("canary_p99_micros"),
                rs.getLong("stable_requests"),
                rs.getLong("stable_errors"),
                rs.getLong("stable_p99_micros"),
                rs.getString("verdict"));
    }
}
