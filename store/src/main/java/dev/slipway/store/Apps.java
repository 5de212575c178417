package dev.slipway.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Registered apps and their environments. */
public final class Apps {

    private final Jdbi jdbi;
    private final Clock clock;

    Apps(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Registers the app, or replaces what is known about it; its deploys, labs and audit entries stay. */
    public AppRecord register(AppRegistration registration, String actor) {
        long now = clock.millis();
        jdbi.useTransaction(h -> {
            int updated = h.createUpdate(
                            "UPDATE apps SET directory = :directory, lab_group = :labGroup, lab_ttl_seconds = :ttl,"
                                    + " updated_at = :now WHERE name = :name")
                    .bind("directory", registration.directory())
                    .bind("labGroup", registration.labGroup().orElse(null))
                    .bind("ttl", registration.labTtl().toSeconds())
                    .bind("now", now)
                    .bind("name", registration.name())
                    .execute();
            if (updated == 0) {
                h.createUpdate(
                                "INSERT INTO apps (name, directory, lab_group, lab_ttl_seconds, registered_by,"
                                        + " registered_at, updated_at) VALUES (:name, :directory, :labGroup, :ttl, :actor, :now, :now)")
                        .bind("name", registration.name())
                        .bind("directory", registration.directory())
                        .bind("labGroup", registration.labGroup().orElse(null))
                        .bind("ttl", registration.labTtl().toSeconds())
                        .bind("actor", actor)
                        .bind("now", now)
                        .execute();
            }
            h.createUpdate("DELETE FROM environments WHERE app = :app")
                    .bind("app", registration.name())
                    .execute();
            for (EnvironmentRecord environment : registration.environments()) {
                h.createUpdate("INSERT INTO environments (app, name, cluster_group, namespace)"
                                + " VALUES (:app, :name, :group, :namespace)")
                        .bind("app", registration.name())
                        .bind("name", environment.name())
                        .bind("group", environment.clusterGroup())
                        .bind("namespace", environment.namespace())
                        .execute();
            }
        });
        return find(registration.name()).orElseThrow();
    }

    /** The app called {@code name}, if registered. */
    public Optional<AppRecord> find(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM apps WHERE name = :name")
                .bind("name", name)
                .map((rs, ctx) -> app(rs, List.of()))
                .findOne()
                .map(app -> withEnvironments(h, List.of(app)).get(0)));
    }

    /** Every registered app, by name. */
    public List<AppRecord> list() {
        return jdbi.withHandle(h -> withEnvironments(
                h,
                h.createQuery("SELECT * FROM apps ORDER BY name")
                        .map((rs, ctx) -> app(rs, List.of()))
                        .list()));
    }

    /** Forgets the app; returns whether it was registered. */
    public boolean remove(String name) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM apps WHERE name = :name")
                        .bind("name", name)
                        .execute())
                > 0;
    }

    private static List<AppRecord> withEnvironments(Handle h, List<AppRecord> apps) {
        Map<String, List<EnvironmentRecord>> byApp = h
                .createQuery("SELECT * FROM environments ORDER BY app, name")
                .map((rs, ctx) -> Map.entry(
                        rs.getString("app"),
                        new EnvironmentRecord(
                                rs.getString("name"), rs.getString("cluster_group"), rs.getString("namespace"))))
                .stream()
                .collect(Collectors.groupingBy(
                        Map.Entry::getKey, Collectors.mapping(Map.Entry::getValue, Collectors.toList())));
        List<AppRecord> result = new ArrayList<>();
        for (AppRecord app : apps) {
            result.add(new AppRecord(
                    app.name(),
                    app.directory(),
                    app.labGroup(),
                    app.labTtl(),
                    app.registeredBy(),
                    app.registeredAt(),
                    app.updatedAt(),
                    byApp.getOrDefault(app.name(), List.of())));
        }
        return result;
    }

    private static AppRecord app(ResultSet rs, List<EnvironmentRecord> environments) throws SQLException {
        return new AppRecord(
                rs.getString("name"),
                rs.getString("directory"),
                Millis.optionalString(rs, "lab_group"),
                Duration.ofSeconds(rs.getLong("lab_ttl_seconds")),
                rs.getString("registered_by"),
                Millis.instant(rs, "registered_at"),
                Millis.instant(rs, "updated_at"),
                environments);
    }
}
