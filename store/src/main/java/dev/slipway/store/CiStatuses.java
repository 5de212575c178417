package dev.slipway.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/** Commit statuses reported by CI, the gate review labs pass through. */
public final class CiStatuses {

    /**
     * How long delivery ids are kept. A replay older than this is still refused when a newer status for its commit
     * and context is stored, and changes nothing when it is that status itself.
     */
    public static final Duration DELIVERY_RETENTION = Duration.ofDays(30);

    private static final String UNIQUE_VIOLATION = "23505";

    private final Jdbi jdbi;
    private final Clock clock;

    CiStatuses(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Records (or replaces) a context's status on a commit. */
    public CiStatus report(
            String repo,
            String sha,
            String context,
            CiState state,
            Optional<String> targetUrl,
            Optional<String> description,
            String reportedBy) {
        long now = clock.millis();
        jdbi.useTransaction(h -> {
            int updated = h.createUpdate("UPDATE ci_statuses SET state = :state, target_url = :url,"
                            + " description = :description, reported_by = :by, updated_at = :now,"
                            + " reported_at = :now, report_order = 0"
                            + " WHERE repo = :repo AND sha = :sha AND context = :context")
                    .bind("state", state.name())
                    .bind("url", targetUrl.orElse(null))
                    .bind("description", description.orElse(null))
                    .bind("by", reportedBy)
                    .bind("now", now)
                    .bind("repo", repo)
                    .bind("sha", sha)
                    .bind("context", context)
                    .execute();
            if (updated == 0) {
                insert(
                        h,
                        new CiReport(
                                repo,
                                sha,
                                context,
                                state,
                                targetUrl,
                                description,
                                reportedBy,
                                Instant.ofEpochMilli(now),
                                0));
            }
        });
        return find(repo, sha, context).orElseThrow();
    }

    /**
     * Takes a status a webhook delivered, unless its delivery id was taken before or the stored status for the same
     * commit and context was set later; the delivery id is kept either way (for {@link #DELIVERY_RETENTION}).
     */
    public WebhookOutcome reportDelivery(String deliveryId, String event, CiReport report) {
        try {
            return jdbi.inTransaction(h -> deliver(h, deliveryId, event, report));
        } catch (JdbiException e) {
            if (!uniqueViolation(e)) {
                throw e;
            }
            // Another server took the same delivery, or the first status of this context, at the same moment:
            // once more, and the row it wrote decides.
            return jdbi.inTransaction(h -> deliver(h, deliveryId, event, report));
        }
    }

    private WebhookOutcome deliver(Handle h, String deliveryId, String event, CiReport report) {
        long now = clock.millis();
        Optional<Long> firstReceived = h.createQuery(
                        "SELECT received_at FROM github_deliveries WHERE delivery_id = :id")
                .bind("id", deliveryId)
                .mapTo(Long.class)
                .findOne();
        if (firstReceived.isPresent()) {
            return new WebhookOutcome.Replayed(deliveryId, Instant.ofEpochMilli(firstReceived.get()));
        }
        h.createUpdate("DELETE FROM github_deliveries WHERE received_at < :before")
                .bind("before", now - DELIVERY_RETENTION.toMillis())
                .execute();
        h.createUpdate("INSERT INTO github_deliveries (delivery_id, event, received_at) VALUES (:id, :event, :now)")
                .bind("id", deliveryId)
                .bind("event", event)
                .bind("now", now)
                .execute();
        long at = report.reportedAt().toEpochMilli();
        int updated = h.createUpdate("UPDATE ci_statuses SET state = :state, target_url = :url,"
                        + " description = :description, reported_by = :by, updated_at = :now,"
                        + " reported_at = :at, report_order = :order"
                        + " WHERE repo = :repo AND sha = :sha AND context = :context"
                        + " AND (reported_at < :at OR (reported_at = :at AND report_order < :order))")
                .bind("state", report.state().name())
                .bind("url", report.targetUrl().orElse(null))
                .bind("description", report.description().orElse(null))
                .bind("by", report.reportedBy())
                .bind("now", now)
                .bind("at", at)
                .bind("order", report.order())
                .bind("repo", report.repo())
                .bind("sha", report.sha())
                .bind("context", report.context())
                .execute();
        if (updated == 0) {
            Optional<Long> keptAt = h.createQuery("SELECT reported_at FROM ci_statuses"
                            + " WHERE repo = :repo AND sha = :sha AND context = :context")
                    .bind("repo", report.repo())
                    .bind("sha", report.sha())
                    .bind("context", report.context())
                    .mapTo(Long.class)
                    .findOne();
            if (keptAt.isPresent()) {
                return new WebhookOutcome.Superseded(
                        find(h, report.repo(), report.sha(), report.context()).orElseThrow(),
                        Instant.ofEpochMilli(keptAt.get()));
            }
            insert(h, report);
        }
        return new WebhookOutcome.Stored(
                find(h, report.repo(), report.sha(), report.context()).orElseThrow());
    }

    private void insert(Handle h, CiReport report) {
        h.createUpdate("INSERT INTO ci_statuses (repo, sha, context, state, target_url, description,"
                        + " reported_by, updated_at, reported_at, report_order) VALUES (:repo, :sha, :context, :state,"
                        + " :url, :description, :by, :now, :at, :order)")
                .bind("repo", report.repo())
                .bind("sha", report.sha())
                .bind("context", report.context())
                .bind("state", report.state().name())
                .bind("url", report.targetUrl().orElse(null))
                .bind("description", report.description().orElse(null))
                .bind("by", report.reportedBy())
                .bind("now", clock.millis())
                .bind("at", report.reportedAt().toEpochMilli())
                .bind("order", report.order())
                .execute();
    }

    private Optional<CiStatus> find(String repo, String sha, String context) {
        return jdbi.withHandle(h -> find(h, repo, sha, context));
    }

    private static Optional<CiStatus> find(Handle h, String repo, String sha, String context) {
        return h.createQuery("SELECT * FROM ci_statuses WHERE repo = :repo AND sha = :sha AND context = :context")
                .bind("repo", repo)
                .bind("sha", sha)
                .bind("context", context)
                .map((rs, ctx) -> status(rs))
                .findOne();
    }

    private static boolean uniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Every context's status on a commit (of any repository), by context. */
    public List<CiStatus> forCommit(String sha) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ci_statuses WHERE sha = :sha ORDER BY repo, context")
                .bind("sha", sha)
                .map((rs, ctx) -> status(rs))
                .list());
    }

    /** The combined verdict of each commit, read in a few queries however many commits there are. */
    public java.util.Map<String, CombinedStatus> combined(java.util.Collection<String> shas) {
        List<String> distinct = shas.stream().distinct().toList();
        java.util.Map<String, List<CiStatus>> bySha = new java.util.HashMap<>();
        for (int from = 0; from < distinct.size(); from += 500) {
            List<String> chunk = distinct.subList(from, Math.min(distinct.size(), from + 500));
            jdbi.useHandle(h -> h.createQuery("SELECT * FROM ci_statuses WHERE sha IN (<shas>) ORDER BY repo, context")
                    .bindList("shas", chunk)
                    .map((rs, ctx) -> status(rs))
                    .forEach(s -> bySha.computeIfAbsent(s.sha(), k -> new java.util.ArrayList<>())
                            .add(s)));
        }
        java.util.Map<String, CombinedStatus> result = new java.util.HashMap<>();
        for (String sha : distinct) {
            result.put(sha, CombinedStatus.of(sha, bySha.getOrDefault(sha, List.of())));
        }
        return result;
    }

    /** The commit's statuses folded into one verdict. */
    public CombinedStatus combined(String sha) {
        return CombinedStatus.of(sha, forCommit(sha));
    }

    private static CiStatus status(ResultSet rs) throws SQLException {
        return new CiStatus(
                rs.getString("repo"),
                rs.getString("sha"),
                rs.getString("context"),
                CiState.valueOf(rs.getString("state")),
                Millis.optionalString(rs, "target_url"),
                Millis.optionalString(rs, "description"),
                rs.getString("reported_by"),
                Millis.instant(rs, "updated_at"));
    }
}
