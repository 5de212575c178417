package dev.slipway.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The event forwarder's memory: where each cluster's and namespace's event watch got to, the events it forwarded
 * (grouped: a repeat of an object's reason within the window counts up instead of adding a row), and a bounded
 * per-sink queue of deliveries not yet made, so an error tracker that is down loses nothing below the bound.
 */
public final class ForwardedEvents {

    private final Jdbi jdbi;
    private final Clock clock;

    /**
     * What {@link #take} did with an event.
     *
     * @param event the stored group, with its count so far
     * @param grouped true when it joined an existing group (no new deliveries were queued)
     * @param dropped per sink, how many queued deliveries were dropped to keep the queue within its bound
     */
    public record Taken(ForwardedEvent event, boolean grouped, Map<String, Integer> dropped) {}

    /** A delivery waiting for a sink: the event and how many attempts failed so far. */
    public record Pending(ForwardedEvent event, String sink, int attempts) {}

    ForwardedEvents(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** The resourceVersion the watch of {@code namespace} on {@code cluster} last took an event at. */
    public Optional<String> position(String cluster, String namespace) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT resource_version FROM event_watch_positions WHERE cluster = :cluster AND namespace = :ns")
                .bind("cluster", cluster)
                .bind("ns", namespace)
                .mapTo(String.class)
                .findOne());
    }

    /** Records that the watch of {@code namespace} on {@code cluster} got to {@code resourceVersion}. */
    public void savePosition(String cluster, String namespace, String resourceVersion) {
        jdbi.useTransaction(h -> savePosition(h, cluster, namespace, resourceVersion));
    }

    private void savePosition(Handle h, String cluster, String namespace, String resourceVersion) {
        int updated = h.createUpdate("UPDATE event_watch_positions SET resource_version = :rv, updated_at = :now"
                        + " WHERE cluster = :cluster AND namespace = :ns")
                .bind("rv", resourceVersion)
                .bind("now", clock.millis())
                .bind("cluster", cluster)
                .bind("ns", namespace)
                .execute();
        if (updated == 0) {
            h.createUpdate("INSERT INTO event_watch_positions (cluster, namespace, resource_version, updated_at)"
                            + " VALUES (:cluster, :ns, :rv, :now)")
                    .bind("rv", resourceVersion)
                    .bind("now", clock.millis())
                    .bind("cluster", cluster)
                    .bind("ns", namespace)
                    .execute();
        }
    }

    /**
     * Takes in one event, in one transaction with the watch's new position: joins the group of the same object and
     * reason last seen within {@code window} (raising its count by {@code occurrences}), or else, when {@code
     * admit} says so (a rate limit, asked only for a new group), stores a new group with a delivery queued for each of {@code sinks}, dropping each sink's oldest
     * queued deliveries beyond {@code bound}. An event that is neither grouped nor admitted (rate-limited) only moves
     * the position: empty then.
     */
    public Optional<Taken> take(
            ForwardedEvent event,
            String resourceVersion,
            Duration window,
            java.util.function.BooleanSupplier admit,
            List<String> sinks,
            int bound) {
        long now = clock.millis();
        return jdbi.inTransaction(h -> {
            savePosition(h, event.cluster(), event.namespace(), resourceVersion);
            Optional<ForwardedEvent> group = h.createQuery("SELECT * FROM forwarded_events WHERE cluster = :cluster"
                            + " AND namespace = :ns AND object_kind = :kind AND object_name = :name AND reason = :reason"
                            + " AND last_seen >= :since ORDER BY id DESC LIMIT 1")
                    .bind("cluster", event.cluster())
                    .bind("ns", event.namespace())
                    .bind("kind", event.objectKind())
                    .bind("name", event.objectName())
                    .bind("reason", event.reason())
                    .bind("since", event.lastSeen().toEpochMilli() - window.toMillis())
                    .map((rs, ctx) -> event(rs))
                    .findOne();
            if (group.isPresent()) {
                ForwardedEvent g = group.get();
                int count = g.occurrences() + Math.max(1, event.occurrences());
                Instant last = event.lastSeen().isAfter(g.lastSeen()) ? event.lastSeen() : g.lastSeen();
                h.createUpdate("UPDATE forwarded_events SET occurrences = :count, last_seen = :last, message = :message"
                                + " WHERE id = :id")
                        .bind("count", count)
                        .bind("last", last.toEpochMilli())
                        .bind("message", Millis.clip(event.message()))
                        .bind("id", g.id())
                        .execute();
                return Optional.of(new Taken(g.stored(g.id(), count, g.firstSeen(), last), true, Map.of()));
            }
            if (!admit.getAsBoolean()) {
                return Optional.<Taken>empty();
            }
            long id = h.createUpdate("INSERT INTO forwarded_events (app, environment, cluster, namespace, object_kind,"
                            + " object_name, reason, type, message, occurrences, first_seen, last_seen, revision, ref,"
                            + " deployed_by, deploy_id) VALUES (:app, :env, :cluster, :ns, :kind, :name, :reason, :type,"
                            + " :message, :count, :first, :last, :revision, :ref, :by, :deploy)")
                    .bind("app", event.app())
                    .bind("env", event.environment())
                    .bind("cluster", event.cluster())
                    .bind("ns", event.namespace())
                    .bind("kind", event.objectKind())
                    .bind("name", event.objectName())
                    .bind("reason", event.reason())
                    .bind("type", event.type())
                    .bind("message", Millis.clip(event.message()))
                    .bind("count", Math.max(1, event.occurrences()))
                    .bind("first", event.firstSeen().toEpochMilli())
                    .bind("last", event.lastSeen().toEpochMilli())
                    .bind("revision", event.revision().orElse(null))
                    .bind("ref", event.ref().orElse(null))
                    .bind("by", event.deployedBy().orElse(null))
                    .bind("deploy", event.deployId().orElse(null))
                    .executeAndReturnGeneratedKeys("id")
                    .mapTo(Long.class)
                    .one();
            Map<String, Integer> dropped = new TreeMap<>();
            for (String sink : sinks) {
                h.createUpdate("INSERT INTO event_deliveries (event_id, sink, attempts, next_attempt_at)"
                                + " VALUES (:id, :sink, 0, :now)")
                        .bind("id", id)
                        .bind("sink", sink)
                        .bind("now", now)
                        .execute();
                List<Long> over = h.createQuery("SELECT event_id FROM event_deliveries WHERE sink = :sink"
                                + " ORDER BY event_id DESC OFFSET :bound ROWS")
                        .bind("sink", sink)
                        .bind("bound", bound)
                        .mapTo(Long.class)
                        .list();
                for (long old : over) {
                    h.createUpdate("DELETE FROM event_deliveries WHERE event_id = :id AND sink = :sink")
                            .bind("id", old)
                            .bind("sink", sink)
                            .execute();
                }
                if (!over.isEmpty()) {
                    dropped.put(sink, over.size());
                }
            }
            return Optional.of(new Taken(
                    event.stored(id, Math.max(1, event.occurrences()), event.firstSeen(), event.lastSeen()),
                    false,
                    dropped));
        });
    }

    /** Up to {@code limit} deliveries for {@code sink} due now, oldest event first. */
    public List<Pending> due(String sink, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT e.*, d.sink, d.attempts FROM event_deliveries d"
                        + " JOIN forwarded_events e ON e.id = d.event_id"
                        + " WHERE d.sink = :sink AND d.next_attempt_at <= :now ORDER BY d.event_id LIMIT :limit")
                .bind("sink", sink)
                .bind("now", clock.millis())
                .bind("limit", limit)
                .map((rs, ctx) -> new Pending(event(rs), rs.getString("sink"), rs.getInt("attempts")))
                .list());
    }

    /** The event reached {@code sink}: its delivery leaves the queue. */
    public void delivered(long eventId, String sink) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM event_deliveries WHERE event_id = :id AND sink = :sink")
                .bind("id", eventId)
                .bind("sink", sink)
                .execute());
    }

    /** The attempt to reach {@code sink} failed: try again after {@code retryIn}. */
    public void failed(long eventId, String sink, Duration retryIn, String error) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE event_deliveries SET attempts = attempts + 1,"
                        + " next_attempt_at = :next, last_error = :error WHERE event_id = :id AND sink = :sink")
                .bind("next", clock.millis() + retryIn.toMillis())
                .bind("error", Millis.clip(error))
                .bind("id", eventId)
                .bind("sink", sink)
                .execute());
    }

    /** Deliveries queued per sink (sinks with none left out). */
    public Map<String, Integer> depths() {
        Map<String, Integer> out = new TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT sink, COUNT(*) AS n FROM event_deliveries GROUP BY sink")
                .map((rs, ctx) -> {
                    out.put(rs.getString("sink"), rs.getInt("n"));
                    return null;
                })
                .list());
        return out;
    }

    /** The latest forwarded events of {@code app}'s {@code environment}, newest first. */
    public List<ForwardedEvent> recent(String app, String environment, int limit) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT * FROM forwarded_events WHERE app = :app AND environment = :env ORDER BY id DESC LIMIT :limit")
                .bind("app", app)
                .bind("env", environment)
                .bind("limit", limit)
                .map((rs, ctx) -> event(rs))
                .list());
    }

    /** The sinks {@code eventId} has not reached yet. */
    public List<String> undelivered(long eventId) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT sink FROM event_deliveries WHERE event_id = :id ORDER BY sink")
                        .bind("id", eventId)
                        .mapTo(String.class)
                        .list());
    }

    private static ForwardedEvent event(ResultSet rs) throws SQLException {
        return new ForwardedEvent(
                rs.getLong("id"),
                rs.getString("app"),
                rs.getString("environment"),
                rs.getString("cluster"),
                rs.getString("namespace"),
                rs.getString("object_kind"),
                rs.getString("object_name"),
                rs.getString("reason"),
                rs.getString("type"),
                rs.getString("message"),
                rs.getInt("occurrences"),
                Millis.instant(rs, "first_seen"),
                Millis.instant(rs, "last_seen"),
                Millis.optionalInt(rs, "revision"),
                Millis.optionalString(rs, "ref"),
                Millis.optionalString(rs, "deployed_by"),
                Millis.optionalLong(rs, "deploy_id"));
    }
}
