package dev.slipway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The control plane's database: opened once per server, migrated on open, and split into one repository per kind
 * of record so callers never write SQL.
 */
public final class Store implements AutoCloseable {

    private final HikariDataSource dataSource;
    private final Dialect dialect;
    private final Apps apps;
    private final Deploys deploys;
    private final Labs labs;
    private final CiStatuses ciStatuses;
    private final AuditLog auditLog;
    private final Tokens tokens;
    private final Leases leases;
    private final Rollouts rollouts;
    private final RolloutChecks rolloutChecks;
    private final ChatLinks chatLinks;
    private final ConsoleSessions consoleSessions;
    private final ForwardedEvents forwardedEvents;

    private Store(HikariDataSource dataSource, Dialect dialect, Clock clock) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        Jdbi jdbi = Jdbi.create(dataSource);
        this.apps = new Apps(jdbi, clock);
        this.deploys = new Deploys(jdbi, clock, dialect);
        this.labs = new Labs(jdbi, clock, dialect);
        this.ciStatuses = new CiStatuses(jdbi, clock);
        this.auditLog = new AuditLog(jdbi, clock);
        this.tokens = new Tokens(jdbi, clock);
        this.leases = new Leases(jdbi, clock);
        this.rollouts = new Rollouts(jdbi, clock);
        this.rolloutChecks = new RolloutChecks(jdbi);
        this.chatLinks = new ChatLinks(jdbi, clock, tokens);
        this.consoleSessions = new ConsoleSessions(jdbi, clock);
        this.forwardedEvents = new ForwardedEvents(jdbi, clock);
    }

    /** Opens the database, creating the schema if needed and applying pending migrations. */
    public static Store open(StoreConfig config, Clock clock) {
        return open(config, clock, Optional.empty());
    }

    /**
     * As {@link #open(StoreConfig, Clock)}, with the connection pool's meters (HikariCP's {@code hikaricp_*}, tagged
     * {@code pool="slipway-store"}) in {@code meters}.
     */
    public static Store open(StoreConfig config, Clock clock, Optional<MeterRegistry> meters) {
        Objects.requireNonNull(clock, "clock");
        config.h2FileBase().ifPresent(H2Files::prepare);
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.jdbcUrl());
        config.credentials().user().ifPresent(hikari::setUsername);
        config.credentials().password().ifPresent(hikari::setPassword);
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(1);
        hikari.setPoolName("slipway-store");
        meters.ifPresent(registry -> hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry)));
        config.schema().ifPresent(schema -> {
            if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException("schema must be lower-case letters, digits and _");
            }
        });
        Flyway flyway = Flyway.configure()
                .dataSource(
                        config.jdbcUrl(),
                        config.credentials().user().orElse(null),
                        config.credentials().password().orElse(null))
                .schemas(config.schema()
                        .map(s -> new String[] {dialectCase(config.dialect(), s)})
                        .orElse(new String[0]))
                .createSchemas(true)
                .locations("classpath:db/migration")
                .load();
        flyway.migrate();
        config.schema().ifPresent(schema -> hikari.setSchema(dialectCase(config.dialect(), schema)));
        HikariDataSource dataSource = new HikariDataSource(hikari);
        return new Store(dataSource, config.dialect(), clock);
    }

    // H2 folds unquoted identifiers to upper case, PostgreSQL to lower case; Flyway quotes what it is given.
    private static String dialectCase(Dialect dialect, String schema) {
        return dialect == Dialect.H2 ? schema.toUpperCase(java.util.Locale.ROOT) : schema;
    }

    public Dialect dialect() {
        return dialect;
    }

    public Apps apps() {
        return apps;
    }

    public Deploys deploys() {
        return deploys;
    }

    public Labs labs() {
        return labs;
    }

    public CiStatuses ciStatuses() {
        return ciStatuses;
    }

    public AuditLog auditLog() {
        return auditLog;
    }

    public Tokens tokens() {
        return tokens;
    }

    public Leases leases() {
        return leases;
    }

    public ConsoleSessions consoleSessions() {
        return consoleSessions;
    }

    public ChatLinks chatLinks() {
        return chatLinks;
    }

    public RolloutChecks rolloutChecks() {
        return rolloutChecks;
    }

    public ForwardedEvents forwardedEvents() {
        return forwardedEvents;
    }

    public Rollouts rollouts() {
        return rollouts;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
