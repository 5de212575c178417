package dev.slipway.store;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** The append-only record of every action taken through the control plane. */
public final class AuditLog {

    private final Jdbi jdbi;
    private final Clock clock;

    AuditLog(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Appends an entry stamped with the store's clock. */
    public AuditEntry record(String actor, String action, String target, RequestSource source, String details) {
        long now = clock.millis();
        long id =
                jdbi.withHandle(h -> h.createUpdate("INSERT INTO audit_log (at, actor, action, target, source, details)"
                                + " VALUES (:at, :actor, :action, :target, :source, :details)")
                        .bind("at", now)
                        .bind("actor", actor)
                        .bind("action", action)
                        .bind("target", target)
                        .bind("source", source.name())
                        .bind("details", Millis.clip(details))
                        .executeAndReturnGeneratedKeys("id")
                        .mapTo(Long.class)
                        .one());
        return new AuditEntry(id, java.time.Instant.ofEpochMilli(now), actor, action, target, source, details);
    }

    /** Entries newest first, optionally of one action or target prefix, before an id (for paging). */
    public List<AuditEntry> list(
            Optional<String> action, Optional<String> targetPrefix, Optional<Long> beforeId, int limit) {
        return list(new Query(action, targetPrefix, Optional.empty(), Optional.empty(), beforeId, limit));
    }

    /**
     * Which entries to list, newest first: each filter that is present must hold.
     *
     * @param targetPrefix the target starts with this (an app: {@code shop}, an environment: {@code shop/prod})
     * @param actor exactly this actor (a token's name, {@code reaper}, ...)
     * @param since at or after this time
     * @param beforeId older than this entry (the next page)
     * @param afterId newer than this entry: the {@code limit} entries just above it (the previous page), still
     *     listed newest first
     */
    public record Query(
            Optional<String> action,
            Optional<String> targetPrefix,
            Optional<String> actor,
            Optional<java.time.Instant> since,
            Optional<Long> beforeId,
            Optional<Long> afterId,
            int limit) {

        /** Without {@code afterId}. */
        public Query(
                Optional<String> action,
                Optional<String> targetPrefix,
                Optional<String> actor,
                Optional<java.time.Instant> since,
                Optional<Long> beforeId,
                int limit) {
            this(action, targetPrefix, actor, since, beforeId, Optional.empty(), limit);
        }
    }

    public List<AuditEntry> list(Query q) {
        return jdbi.withHandle(h -> {
            String where = (q.action().isPresent() ? " AND action = :action" : "")
                    + (q.targetPrefix().isPresent() ? " AND target LIKE :prefix" : "")
                    + (q.actor().isPresent() ? " AND actor = :actor" : "")
                    + (q.since().isPresent() ? " AND at >= :since" : "")
                    + (q.beforeId().isPresent() ? " AND id < :before" : "")
                    + (q.afterId().isPresent() ? " AND id > :after" : "");
            // A page above afterId is the oldest entries above it: read upwards, then turned newest first.
            String order = q.afterId().isPresent() ? " ORDER BY id ASC" : " ORDER BY id DESC";
            var query = h.createQuery("SELECT * FROM audit_log WHERE 1 = 1" + where + order + " LIMIT :limit");
            q.action().ifPresent(a -> query.bind("action", a));
            q.targetPrefix()
                    .ifPresent(p -> query.bind("prefix", p.replace("%", "\\%").replace("_", "\\_") + "%"));
            q.actor().ifPresent(a -> query.bind("actor", a));
            q.since().ifPresent(t -> query.bind("since", t.toEpochMilli()));
            q.beforeId().ifPresent(b -> query.bind("before", b));
            q.afterId().ifPresent(a -> query.bind("after", a));
            List<AuditEntry> entries = query.bind("limit", q.limit())
                    .map((rs, ctx) -> new AuditEntry(
                            rs.getLong("id"),
                            Millis.instant(rs, "at"),
                            rs.getString("actor"),
                            rs.getString("action"),
                            rs.getString("target"),
                            RequestSource.valueOf(rs.getString("source")),
                            rs.getString("details")))
                    .list();
            if (q.afterId().isPresent()) {
                entries = new java.util.ArrayList<>(entries);
                java.util.Collections.reverse(entries);
            }
            return entries;
        });
    }
}
