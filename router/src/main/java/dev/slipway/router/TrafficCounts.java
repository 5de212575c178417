package dev.slipway.router;

import java.util.Objects;
import java.util.Optional;

/**
 * What happened to the requests one route sent to one backend (or one cluster of it), counted from the
 * router's start: a rollout judges a new revision on the difference of two readings, summed over routers.
 * Every request answered is counted once in {@code requests} and at most once in one of the failure
 * counters, so {@link #errors()} never counts a request twice: a {@code timeout} is a request the route
 * timeout answered with 504; a {@code connectFailure} is one the router could not deliver (connection
 * refused or timed out, or no endpoint available: 502, 503 or 504 from the router, after any retries); a
 * {@code serverError} is any other 5xx answer (from the backend, a reset or an invalid response). A request
 * a retry saved counts as what its last attempt got.
 *
 * @param requests requests answered (a client that went away first is not counted)
 * @param serverErrors 5xx answers that are neither timeouts nor connect failures
 * @param timeouts requests the route timeout answered
 * @param connectFailures requests no endpoint could be reached for
 * @param latency time from request head to response end of every counted request
 */
public record TrafficCounts(
        long requests, long serverErrors, long timeouts, long connectFailures, LatencyHistogram latency) {

    public static final TrafficCounts ZERO = new TrafficCounts(0, 0, 0, 0, LatencyHistogram.empty());

    public TrafficCounts {
        Objects.requireNonNull(latency, "latency");
        if (requests < 0 || serverErrors < 0 || timeouts < 0 || connectFailures < 0) {
            throw new IllegalArgumentException("counts cannot be negative");
        }
    }

    /** Failed requests: server errors, timeouts and connect failures. */
    public long errors() {
        return serverErrors + timeouts + connectFailures;
    }

    public TrafficCounts plus(TrafficCounts o) {
        return new TrafficCounts(
                requests + o.requests,
                serverErrors + o.serverErrors,
                timeouts + o.timeouts,
                connectFailures + o.connectFailures,
                latency.plus(o.latency));
    }

    /**
     * The requests counted since {@code earlier}, a reading of the same source; empty when a count went
     * down, i.e. the source restarted in between and the difference means nothing.
     */
    public Optional<TrafficCounts> since(TrafficCounts earlier) {
        long r = requests - earlier.requests;
        long s = serverErrors - earlier.serverErrors;
        long t = timeouts - earlier.timeouts;
        long c = connectFailures - earlier.connectFailures;
        LatencyHistogram l = latency.minusOrNull(earlier.latency);
        if (r < 0 || s < 0 || t < 0 || c < 0 || l == null) {
            return Optional.empty();
        }
        return Optional.of(new TrafficCounts(r, s, t, c, l));
    }
}
