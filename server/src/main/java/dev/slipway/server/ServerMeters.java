package dev.slipway.server;

import java.util.List;

/**
 * The catalogue of every meter {@code slipway server} publishes on {@code /metrics} besides the JVM's and the
 * store pool's: one place to read names, units and tag keys, which docs/observability.md and the alert rules in
 * deploy/prometheus follow. Every tag has a bounded set of values: apps, environments and clusters are configured,
 * a lab's environment is {@code lab} (not its branch), and an API route is its template, never a raw path.
 */
enum ServerMeters {
    DEPLOYS(
            "slipway.deploys",
            "Deploys that ended, per cluster they ran on (cluster none: the deploy failed before reaching one)",
            null,
            "app",
            "environment",
            "cluster",
            "kind",
            "outcome"),
    DEPLOY_DURATION(
            "slipway.deploy.duration",
            "Time a deploy took on one cluster (started to finished), or in all when it reached none",
            "seconds",
            "app",
            "environment",
            "cluster",
            "kind",
            "outcome"),
    DEPLOY_QUEUE_DEPTH(
            "slipway.deploy.queue.depth", "Deploys queued in the store and not yet claimed by a server", null),
    DEPLOYS_RUNNING("slipway.deploys.running", "Deploys this server is running now", null),
    ROLLOUT_STEP(
            "slipway.rollout.step",
            "The step a cluster's rollout is in, counted from 1",
            null,
            "app",
            "environment",
            "cluster"),
    ROLLOUT_STEPS("slipway.rollout.steps", "How many steps the rollout has", null, "app", "environment"),
    ROLLOUT_CANARY_SHARE(
            "slipway.rollout.canary.share.ratio",
            "Share of requests the rollout's stage sends to the canary on the cluster (0 to 1; optin and rps: 0)",
            null,
            "app",
            "environment",
            "cluster"),
    ROLLOUT_STATUS(
            "slipway.rollout.status",
            "1 for the status the cluster's rollout is in, 0 for the others",
            null,
            "app",
            "environment",
            "cluster",
            "status"),
    ROLLOUT_VERDICT(
            "slipway.rollout.analysis.verdict",
            "1 for the verdict of the last analysis check of the cluster's canary (pass, wait, breach), 0 for the others",
            null,
            "app",
            "environment",
            "cluster",
            "verdict"),
    ROLLOUT_EVENTS(
            "slipway.rollout.events",
            "Rollout transitions made by this server: start, step, pause, resume, promote, promoted, abort, fail, ...",
            null,
            "app",
            "environment",
            "action",
            "by"),
    LABS_ACTIVE("slipway.labs.active", "Review labs up", null),
    LABS_EXPIRING("slipway.labs.expiring", "Review labs up whose expiry falls within the next hour", null),
    LABS_OVERDUE(
            "slipway.labs.overdue",
            "Review labs past their expiry and not yet deleted (a growing number: the reaper is behind or failing)",
            null),
    REAPER_RUNS(
            "slipway.reaper.runs", "Reaper sweeps, by result (failed: the sweep or a teardown failed)", null, "result"),
    REAPER_LABS_DELETED("slipway.reaper.labs.deleted", "Labs the reaper deleted", null),
    REAPER_TEARDOWN_FAILURES(
            "slipway.reaper.teardown.failures", "Lab teardowns that failed (each is retried later)", null),
    REAPER_LAST_SUCCESS(
            "slipway.reaper.last.success.timestamp",
            "When the last sweep without any failure ended (Unix time); 0 until one has",
            "seconds"),
    API_REQUESTS(
            "slipway.api.requests",
            "HTTP requests answered, by method, route template and status code",
            null,
            "method",
            "route",
            "status"),
    API_REQUEST_DURATION(
            "slipway.api.request.duration",
            "Time to answer an HTTP request (a deploy log stream: until it ended)",
            "seconds",
            "method",
            "route"),
    EVENTS_FORWARDED(
            "slipway.events.forwarded",
            "Abnormal Kubernetes events (groups) delivered to a sink: sentry or webhook",
            null,
            "sink"),
    EVENTS_DROPPED(
            "slipway.events.dropped",
            "Abnormal events not delivered: rate_limited (sink all: over the app/environment's limit) or queue_full"
                    + " (the sink's queue was at its bound, the oldest was dropped)",
            null,
            "sink",
            "reason"),
    EVENTS_QUEUE_DEPTH(
            "slipway.events.queue.depth",
            "Events queued in the store for a sink and not yet delivered (growing: the sink is down)",
            null,
            "sink"),
    EVENTS_WATCH_UP(
            "slipway.events.watch.up",
            "1 while the event watch of a cluster is up, 0 while the cluster cannot be reached (retried with backoff)",
            null,
            "cluster"),
    LEASE_HEALTHY(
            "slipway.server.lease.healthy",
            "1 while this server holds its liveness lease (it claims deploys, /health is 200), 0 otherwise",
            null);

    private final String meterName;
    private final String description;
    private final String baseUnit;
    private final List<String> tagKeys;

    ServerMeters(String meterName, String description, String baseUnit, String... tagKeys) {
        this.meterName = meterName;
        this.description = description;
        this.baseUnit = baseUnit;
        this.tagKeys = List.of(tagKeys);
    }

    String meterName() {
        return meterName;
    }

    String description() {
        return description;
    }

    /** Null when the meter counts things. */
    String baseUnit() {
        return baseUnit;
    }

    List<String> tagKeys() {
        return tagKeys;
    }
}
