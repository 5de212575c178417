package dev.slipway.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deploy queue: deploys wait as {@code QUEUED}, and one at a time per app/environment is claimed by a server,
 * even when several servers share one database.
 */
public final class Deploys {

    private static final Logger LOG = LoggerFactory.getLogger(Deploys.class);

    private final Jdbi jdbi;
    private final Clock clock;
    private final Dialect dialect;

    Deploys(Jdbi jdbi, Clock clock, Dialect dialect) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.dialect = dialect;
    }

    /** Puts a deploy at the back of the queue. */
    public DeployRecord enqueue(DeployRequest request) {
        long id = jdbi.withHandle(h -> h.createUpdate(
                        "INSERT INTO deploys (app, environment, kind, ref, rollback_to, lab_id, state, requested_by, source,"
                                + " resumes, created_at, freeze_override) VALUES (:app, :env, :kind, :ref, :rollbackTo,"
                                + " :labId, 'QUEUED', :by, :source, :resumes, :now, :freezeOverride)")
                .bind("app", request.app())
                .bind("env", request.environment())
                .bind("kind", request.kind().name())
                .bind("ref", request.ref().orElse(null))
                .bind("rollbackTo", request.rollbackTo().orElse(null))
                .bind("labId", request.labId().orElse(null))
                .bind("by", request.requestedBy())
                .bind("source", request.source().name())
                .bind("resumes", request.resumes().orElse(null))
                .bind("freezeOverride", request.freezeOverride().orElse(null))
                .bind("now", clock.millis())
                .executeAndReturnGeneratedKeys("id")
                .mapTo(Long.class)
                .one());
        return find(id).orElseThrow();
    }

    /** The deploy with this id, with its per-cluster progress. */
    public Optional<DeployRecord> find(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM deploys WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> deploy(rs, List.of()))
                .findOne()
                .map(d -> withClusters(h, List.of(d)).get(0)));
    }

    /** The latest deploys of an app/environment (both optional filters), newest first. */
    public List<DeployRecord> list(Optional<String> app, Optional<String> environment, int limit) {
        return list(app, environment, Optional.empty(), limit);
    }

    /** One page of {@link #list(Optional, Optional, int)}: the deploys older than {@code beforeId}, if given. */
    public List<DeployRecord> list(
            Optional<String> app, Optional<String> environment, Optional<Long> beforeId, int limit) {
        String where = (app.isPresent() ? " AND app = :app" : "")
                + (environment.isPresent() ? " AND environment = :env" : "")
                + (beforeId.isPresent() ? " AND id < :before" : "");
        return jdbi.withHandle(h -> {
            var query = h.createQuery("SELECT * FROM deploys WHERE 1 = 1" + where + " ORDER BY id DESC LIMIT :limit");
            app.ifPresent(a -> query.bind("app", a));
            environment.ifPresent(e -> query.bind("env", e));
            beforeId.ifPresent(b -> query.bind("before", b));
            return withClusters(
                    h,
                    query.bind("limit", limit)
                            .map((rs, ctx) -> deploy(rs, List.of()))
                            .list());
        });
    }

    /**
     * The last deploy of every registered environment that has one (for each, what {@code list(app, env, 1)}
     * gives), in one query: per environment the highest id on the {@code (app, environment, id)} index, then
     * those rows with their clusters. Labs' deploys are left out (a lab is no registered environment).
     */
    public List<DeployRecord> latestPerEnvironment() {
        return jdbi.withHandle(h -> withClusters(
                h,
                h.createQuery("SELECT * FROM deploys WHERE id IN (SELECT (SELECT MAX(x.id) FROM deploys x"
                                + " WHERE x.app = e.app AND x.environment = e.name) FROM environments e)"
                                + " ORDER BY app, environment")
                        .map((rs, ctx) -> deploy(rs, List.of()))
                        .list()));
    }

    /**
     * Claims the oldest queued deploy whose app/environment has nothing running, for {@code owner}; empty when there
     * is none, or when another server won the race for it (the caller simply polls again).
     */
    public Optional<DeployRecord> claimNext(String owner) {
        long now = clock.millis();
        try {
            Optional<Long> claimed = jdbi.inTransaction(h -> {
                List<Candidate> candidates = h.createQuery(
                                "SELECT id, app, environment FROM deploys d WHERE state = 'QUEUED' AND NOT EXISTS"
                                        + " (SELECT 1 FROM deploy_slots s WHERE s.app = d.app AND s.environment = d.environment)"
                                        + " ORDER BY id LIMIT 16"
                                        + dialect.skipLocked())
                        .map((rs, ctx) ->
                                new Candidate(rs.getLong("id"), rs.getString("app"), rs.getString("environment")))
                        .list();
                for (Candidate candidate : candidates) {
                    int slot = h.createUpdate("INSERT INTO deploy_slots (app, environment, deploy_id)"
                                    + " SELECT :app, :env, :id WHERE NOT EXISTS"
                                    + " (SELECT 1 FROM deploy_slots WHERE app = :app AND environment = :env)")
                            .bind("app", candidate.app())
                            .bind("env", candidate.environment())
                            .bind("id", candidate.id())
                            .execute();
                    if (slot == 0) {
                        continue;
                    }
                    int moved = h.createUpdate("UPDATE deploys SET state = 'RUNNING', owner = :owner, started_at = :now"
                                    + " WHERE id = :id AND state = 'QUEUED'")
                            .bind("owner", owner)
                            .bind("now", now)
                            .bind("id", candidate.id())
                            .execute();
                    if (moved == 1) {
                        return Optional.of(candidate.id());
                    }
                    h.createUpdate("DELETE FROM deploy_slots WHERE deploy_id = :id")
                            .bind("id", candidate.id())
                            .execute();
                }
                return Optional.<Long>empty();
            });
            return claimed.flatMap(this::find);
        } catch (UnableToExecuteStatementException raced) {
            // Another server took the same slot between our check and insert; its claim stands.
            LOG.debug("lost a race for a deploy slot: {}", raced.getMessage());
            return Optional.empty();
        }
    }

    /** Records the clusters a running deploy will go through, in order, all pending. */
    public void planClusters(long deployId, List<String> clusters) {
        long now = clock.millis();
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM deploy_clusters WHERE deploy_id = :id")
                    .bind("id", deployId)
                    .execute();
            for (int i = 0; i < clusters.size(); i++) {
                h.createUpdate("INSERT INTO deploy_clusters (deploy_id, position, cluster, state, updated_at)"
                                + " VALUES (:id, :position, :cluster, 'PENDING', :now)")
                        .bind("id", deployId)
                        .bind("position", i)
                        .bind("cluster", clusters.get(i))
                        .bind("now", now)
                        .execute();
            }
        });
    }

    /** Records how far the deploy got on one cluster. */
    public void updateCluster(
            long deployId, String cluster, ClusterState state, Optional<Integer> revision, Optional<String> message) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE deploy_clusters SET state = :state,"
                        + " revision = COALESCE(:revision, revision), message = :message, updated_at = :now"
                        + " WHERE deploy_id = :id AND cluster = :cluster")
                .bind("state", state.name())
                .bind("revision", revision.orElse(null))
                .bind("message", Millis.clip(message.orElse(null)))
                .bind("now", clock.millis())
                .bind("id", deployId)
                .bind("cluster", cluster)
                .execute());
    }

    /** Appends a line to the deploy's log and returns its sequence number. */
    public int appendLog(long deployId, String line) {
        return jdbi.inTransaction(h -> {
            int seq = h.createQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM deploy_log WHERE deploy_id = :id")
                    .bind("id", deployId)
                    .mapTo(Integer.class)
                    .one();
            h.createUpdate("INSERT INTO deploy_log (deploy_id, seq, at, line) VALUES (:id, :seq, :now, :line)")
                    .bind("id", deployId)
                    .bind("seq", seq)
                    .bind("now", clock.millis())
                    .bind("line", Millis.clip(line))
                    .execute();
            return seq;
        });
    }

    /** The log lines after {@code afterSeq}, in order. */
    public List<LogLine> logAfter(long deployId, int afterSeq) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT * FROM deploy_log WHERE deploy_id = :id AND seq > :after ORDER BY seq")
                .bind("id", deployId)
                .bind("after", afterSeq)
                .map((rs, ctx) -> new LogLine(
                        rs.getLong("deploy_id"), rs.getInt("seq"), Millis.instant(rs, "at"), rs.getString("line")))
                .list());
    }

    /**
     * Ends a running deploy in {@code state} and frees its app/environment for the next one.
     *
     * @throws IllegalTransitionException if the deploy is not running (finished already, or never claimed)
     */
    public DeployRecord finish(long deployId, DeployState state, Optional<String> message) {
        if (!DeployState.RUNNING.next().contains(state)) {
            throw new IllegalTransitionException(deployId, "a running deploy cannot become " + state);
        }
        jdbi.useTransaction(h -> {
            int moved = h.createUpdate("UPDATE deploys SET state = :state, message = :message, finished_at = :now"
                            + " WHERE id = :id AND state = 'RUNNING'")
                    .bind("state", state.name())
                    .bind("message", Millis.clip(message.orElse(null)))
                    .bind("now", clock.millis())
                    .bind("id", deployId)
                    .execute();
            if (moved != 1) {
                throw new IllegalTransitionException(deployId, "is not running");
            }
            h.createUpdate("DELETE FROM deploy_slots WHERE deploy_id = :id")
                    .bind("id", deployId)
                    .execute();
        });
        return find(deployId).orElseThrow();
    }

    /** Fails a deploy that never started (its app was removed, its spec no longer loads...). */
    public DeployRecord reject(long deployId, String message) {
        int moved = jdbi.withHandle(h -> h.createUpdate("UPDATE deploys SET state = 'FAILED', message = :message,"
                        + " finished_at = :now WHERE id = :id AND state = 'QUEUED'")
                .bind("message", Millis.clip(message))
                .bind("now", clock.millis())
                .bind("id", deployId)
                .execute());
        if (moved != 1) {
            throw new IllegalTransitionException(deployId, "is not queued");
        }
        return find(deployId).orElseThrow();
    }

    /**
     * Marks every deploy {@code owner} was running as interrupted, with its clusters' progress kept; a server calls
     * this with its own id when it starts, since whatever it was running before died with it.
     */
    public List<DeployRecord> interruptRunningOf(String owner) {
        return interrupt("d.owner = :owner", owner, "the server running it stopped mid-deploy");
    }

    /**
     * Marks as interrupted the running deploys whose owner's liveness lease ({@code server:<owner>} in the leases
     * table) expired: another server died and will not finish them.
     */
    public List<DeployRecord> interruptOrphaned() {
        return interrupt(
                "NOT EXISTS (SELECT 1 FROM leases l WHERE l.name = " + concatServerLease()
                        + " AND l.expires_at > :now)",
                null,
                "the server running it stopped answering mid-deploy");
    }

    private String concatServerLease() {
        return "CONCAT('server:', d.owner)";
    }

    private List<DeployRecord> interrupt(String condition, String owner, String message) {
        long now = clock.millis();
        List<Long> ids = jdbi.inTransaction(h -> {
            var query = h.createQuery("SELECT id FROM deploys d WHERE state = 'RUNNING' AND " + condition
                    + " ORDER BY id" + dialect.skipLocked());
            if (owner != null) {
                query.bind("owner", owner);
            }
            List<Long> found = query.bind("now", now).mapTo(Long.class).list();
            List<Long> interrupted = new ArrayList<>();
            for (long id : found) {
                int moved = h.createUpdate("UPDATE deploys SET state = 'INTERRUPTED', message = :message,"
                                + " finished_at = :now WHERE id = :id AND state = 'RUNNING'")
                        .bind("message", message)
                        .bind("now", now)
                        .bind("id", id)
                        .execute();
                if (moved == 1) {
                    h.createUpdate("UPDATE deploy_clusters SET state = 'INTERRUPTED', updated_at = :now"
                                    + " WHERE deploy_id = :id AND state = 'RUNNING'")
                            .bind("now", now)
                            .bind("id", id)
                            .execute();
                    h.createUpdate("DELETE FROM deploy_slots WHERE deploy_id = :id")
                            .bind("id", id)
                            .execute();
                    interrupted.add(id);
                }
            }
            return interrupted;
        });
        return ids.stream().map(id -> find(id).orElseThrow()).toList();
    }

    /** How many deploys wait in the queue. */
    public int queuedCount() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM deploys WHERE state = 'QUEUED'")
                .mapTo(Integer.class)
                .one());
    }

    private static List<DeployRecord> withClusters(Handle h, List<DeployRecord> deploys) {
        if (deploys.isEmpty()) {
            return deploys;
        }
        Map<Long, List<ClusterProgress>> byDeploy = h
                .createQuery("SELECT * FROM deploy_clusters WHERE deploy_id IN (<ids>) ORDER BY deploy_id, position")
                .bindList("ids", deploys.stream().map(DeployRecord::id).toList())
                .map((rs, ctx) -> Map.entry(rs.getLong("deploy_id"), progress(rs)))
                .stream()
                .collect(Collectors.groupingBy(
                        Map.Entry::getKey, Collectors.mapping(Map.Entry::getValue, Collectors.toList())));
        List<DeployRecord> result = new ArrayList<>();
        for (DeployRecord d : deploys) {
            result.add(new DeployRecord(
                    d.id(),
                    d.app(),
                    d.environment(),
                    d.kind(),
                    d.ref(),
                    d.rollbackTo(),
                    d.labId(),
                    d.state(),
                    d.requestedBy(),
                    d.source(),
                    d.owner(),
                    d.message(),
                    d.resumes(),
                    d.createdAt(),
                    d.startedAt(),
                    d.finishedAt(),
                    byDeploy.getOrDefault(d.id(), List.of()),
                    d.freezeOverride()));
        }
        return result;
    }

    private static ClusterProgress progress(ResultSet rs) throws SQLException {
        return new ClusterProgress(
                rs.getInt("position"),
                rs.getString("cluster"),
                ClusterState.valueOf(rs.getString("state")),
                Millis.optionalInt(rs, "revision"),
                Millis.optionalString(rs, "message"),
                Millis.instant(rs, "updated_at"));
    }

    private static DeployRecord deploy(ResultSet rs, List<ClusterProgress> clusters) throws SQLException {
        return new DeployRecord(
                rs.getLong("id"),
                rs.getString("app"),
                rs.getString("environment"),
                DeployKind.valueOf(rs.getString("kind")),
                Millis.optionalString(rs, "ref"),
                Millis.optionalInt(rs, "rollback_to"),
                Millis.optionalLong(rs, "lab_id"),
                DeployState.valueOf(rs.getString("state")),
                rs.getString("requested_by"),
                RequestSource.valueOf(rs.getString("source")),
                Millis.optionalString(rs, "owner"),
                Millis.optionalString(rs, "message"),
                Millis.optionalLong(rs, "resumes"),
                Millis.instant(rs, "created_at"),
                Millis.optionalInstant(rs, "started_at"),
                Millis.optionalInstant(rs, "finished_at"),
                clusters,
                Millis.optionalString(rs, "freeze_override"));
    }

    private record Candidate(long id, String app, String environment) {}
}
