package dev.slipway.router;

import java.util.List;

/**
 * The catalogue of every meter the router publishes: one place to read what /metrics will show, with units
 * and tag keys, so names cannot drift between the code that records and the docs that explain.
 */
public enum RouterMeters {
    REQUESTS("slipway.router.requests", "Requests answered", null, "route", "backend", "cluster", "status"),
    REQUEST_DURATION(
            "slipway.router.request.duration", "Time from request head to response end", "seconds", "route", "backend"),
    TIMEOUTS("slipway.router.timeouts", "Requests answered 504 because the route timeout fired", null, "route"),
    RETRIES("slipway.router.retries", "Requests retried on another endpoint", null, "route", "reason"),
    RETRIES_DENIED("slipway.router.retries.denied", "Retries refused by the retry budget", null, "route"),
    REJECTED("slipway.router.rejected", "Requests or connections refused by protection limits", null, "reason"),
    EJECTIONS(
            "slipway.router.endpoint.ejections",
            "Endpoints ejected by passive outlier detection",
            null,
            "backend",
            "cluster"),
    ENDPOINT_AVAILABLE(
            "slipway.router.endpoint.available",
            "1 when the endpoint takes traffic (healthy and not ejected)",
            null,
            "backend",
            "cluster",
            "endpoint"),
    CLUSTER_HEALTHY(
            "slipway.router.cluster.healthy",
            "1 when the cluster's available share is at or above failoverBelow",
            null,
            "backend",
            "cluster"),
    STAGE("slipway.router.stage", "Migration stage of the route (1 for the active stage)", null, "route", "stage"),
    // One meter per unit: the former slipway.router.stage.value held a percent or a rate, by stage.
    STAGE_SHARE(
            "slipway.router.stage.share.ratio",
            "Share of the route's requests the stage sends to the migration target (0 to 1): percent N is N/100,"
                    + " full 1, off 0; optin and rps send no fixed share (0, see slipway_router_stage_rps_limit)",
            null,
            "route"),
    STAGE_RPS_LIMIT(
            "slipway.router.stage.rps.limit",
            "Requests per second an rps N stage lets through to the migration target (N), 0 for other stages",
            null,
            "route"),
    CONNECTIONS("slipway.router.connections", "Open client connections", null),
    IN_FLIGHT("slipway.router.in.flight", "Requests being proxied", null),
    TUNNELS("slipway.router.tunnels", "Open WebSocket tunnels (upgraded connections relayed as bytes)", null),
    TUNNELS_CLOSED(
            "slipway.router.tunnels.closed",
            "WebSocket tunnels ended, by who ended them: client, backend, idle (no bytes either way for the idle"
                    + " timeout) or router (shut down)",
            null,
            "reason"),
    POOL_IDLE("slipway.router.upstream.pool.idle", "Idle pooled upstream connections", null),
    UPSTREAM_PROTOCOL_ERRORS(
            "slipway.router.upstream.protocol.errors",
            "Upstream responses that were not valid HTTP, answered 502 (or cut off if already started)",
            null,
            "backend",
            "cluster",
            "reason"),
    PANIC(
            "slipway.router.panic",
            "Requests sent to an endpoint that health checks or ejection had taken out, because the backend had"
                    + " none available (panic routing instead of a 503)",
            null,
            "backend"),
    UPSTREAM_CONNECTS("slipway.router.upstream.connects", "New upstream connections opened", null, "result"),
    RELOADS("slipway.router.config.reloads", "Config reloads", null, "result"),
    TLS_CERTIFICATE_EXPIRY(
            "slipway.router.tls.certificate.expiry",
            "Time until the certificate the listener serves for the host expires (negative once expired)",
            "seconds",
            "host"),
    TLS_RELOADS(
            "slipway.router.tls.reloads",
            "Re-reads of the listener's certificate files: applied, or rejected (the last good certificates keep"
                    + " serving) with the reason: unreadable, expired, not-yet-valid, key-mismatch or"
                    + " key-permissions",
            null,
            "result",
            "reason"),
    ACCESS_LOG_DROPPED(
            "slipway.router.access.log.dropped",
            "Access log lines dropped because the writer could not keep up or the file could not be opened",
            null),
    SPANS_DROPPED(
            "slipway.router.spans.dropped",
            "Spans of sampled requests dropped because the export could not keep up (the collector slow or down)",
            null),
    SOURCE_STALE(
            "slipway.router.source.stale",
            "1 while a source the router is fed from (a cluster, the stages) is stale: its last good config serves",
            null,
            "source");

    private final String meterName;
    private final String description;
    private final String baseUnit;
    private final List<String> tagKeys;

    RouterMeters(String meterName, String description, String baseUnit, String... tagKeys) {
        this.meterName = meterName;
        this.description = description;
        this.baseUnit = baseUnit;
        this.tagKeys = List.of(tagKeys);
    }

    public String meterName() {
        return meterName;
    }

    public String description() {
        return description;
    }

    /** Null when the meter counts things. */
    public String baseUnit() {
        return baseUnit;
    }

    public List<String> tagKeys() {
        return tagKeys;
    }
}
