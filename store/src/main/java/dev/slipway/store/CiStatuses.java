package dev.slipway.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Commit statuses reported by CI, the gate review labs pass through. */
public final class CiStatuses {

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
            java.util.Optional<String> targetUrl,
            java.util.Optional<String> description,
            String reportedBy) {
        long now = clock.millis();
        jdbi.useTransaction(h -> {
            int updated = h.createUpdate("UPDATE ci_statuses SET state = :state, target_url = :url,"
                            + " description = :description, reported_by = :by, updated_at = :now"
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
                h.createUpdate("INSERT INTO ci_statuses (repo, sha, context, state, target_url, description,"
                                + " reported_by, updated_at) VALUES (:repo, :sha, :context, :state, :url, :description,"
                                + " :by, :now)")
                        .bind("repo", repo)
                        .bind("sha", sha)
                        .bind("context", context)
                        .bind("state", state.name())
                        .bind("url", targetUrl.orElse(null))
                        .bind("description", description.orElse(null))
                        .bind("by", reportedBy)
                        .bind("now", now)
                        .execute();
            }
        });
        return forCommit(sha).stream()
                .filter(s -> s.repo().equals(repo) && s.context().equals(context))
                .findFirst()
                .orElseThrow();
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
