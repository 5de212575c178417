package dev.slipway.store;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Named, expiring leases shared by the servers on one database: a server's liveness ({@code server:<id>}) and any
 * job only one server should run at a time.
 */
public final class Leases {

    private final Jdbi jdbi;
    private final Clock clock;

    Leases(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Takes or renews the lease for {@code ttl}; false if another holder has it and it has not expired. */
    public boolean tryAcquire(String name, String holder, Duration ttl) {
        long now = clock.millis();
        int updated = jdbi.withHandle(h -> h.createUpdate("UPDATE leases SET holder = :holder, expires_at = :until"
                        + " WHERE name = :name AND (holder = :holder OR expires_at <= :now)")
                .bind("holder", holder)
                .bind("until", now + ttl.toMillis())
                .bind("name", name)
                .bind("now", now)
                .execute());
        if (updated == 1) {
            return true;
        }
        try {
            return jdbi.withHandle(h -> h.createUpdate(
                                    "INSERT INTO leases (name, holder, expires_at)"
                                            + " SELECT :name, :holder, :until WHERE NOT EXISTS (SELECT 1 FROM leases WHERE name = :name)")
                            .bind("name", name)
                            .bind("holder", holder)
                            .bind("until", now + ttl.toMillis())
                            .execute())
                    == 1;
        } catch (UnableToExecuteStatementException raced) {
            // A concurrent insert of the same name won; the lease is theirs.
            return false;
        }
    }

    /** Gives the lease up if {@code holder} has it. */
    public void release(String name, String holder) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM leases WHERE name = :name AND holder = :holder")
                .bind("name", name)
                .bind("holder", holder)
                .execute());
    }

    /** Who holds the lease now, if anyone does and it has not expired. */
    public Optional<String> holder(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT holder FROM leases WHERE name = :name AND expires_at > :now")
                .bind("name", name)
                .bind("now", clock.millis())
                .mapTo(String.class)
                .findOne());
    }
}
