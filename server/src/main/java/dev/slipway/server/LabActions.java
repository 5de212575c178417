package dev.slipway.server;

import dev.slipway.core.Problem;
import dev.slipway.core.spec.Durations;
import dev.slipway.store.LabRecord;
import dev.slipway.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What a person may do to a live lab — extend it, take it down — whether asked through the REST API or the
 * web console: one set of rules and refusals ({@link ApiException}s), one audit trail.
 */
final class LabActions {
    private final Store store;
    private final LabReaper reaper;
    private final String serverId;
    private final Duration maxLabTtl;
    private final Clock clock;

    LabActions(Store store, LabReaper reaper, String serverId, Duration maxLabTtl, Clock clock) {
        this.store = store;
        this.reaper = reaper;
        this.serverId = serverId;
        this.maxLabTtl = maxLabTtl;
        this.clock = clock;
    }

    /**
     * A lab lifetime or extension as a person wrote it ({@code 24h}, {@code 90m}, {@code 1h30m}), from 1 s to the
     * server's {@code --max-lab-ttl}: the one reading of such a value, for the API's fields and the console's forms.
     *
     * @param field where it was written, named in the refusal
     * @throws ApiException 400 when it is not a duration, 422 when it is out of range
     */
    Duration lifetime(String field, String text) {
        Duration d = Durations.parse(text)
                .orElseThrow(() -> ApiException.badRequest(
                        field, "'" + Inputs.echo(text) + "' is not a duration", "write it like 24h, 90m or 1h30m"));
        if (d.compareTo(maxLabTtl) > 0 || d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ApiException(
                    422,
                    "Lab lifetime out of range",
                    List.of(new Problem(
                            field,
                            "'" + Inputs.echo(text) + "' is outside what this server allows (1s to "
                                    + Durations.format(maxLabTtl) + ")",
                            "ask for at most " + Durations.format(maxLabTtl)
                                    + ", or ask the operator to raise --max-lab-ttl")));
        }
        return d;
    }

    /**
     * Pushes the lab's expiry back by {@code by}.
     *
     * @throws ApiException 422 when it would then live past the server's limit, 409 when it is not active
     */
    LabRecord extend(LabRecord lab, Duration by, Caller caller) {
        Duration left = Duration.between(clock.instant(), lab.expiresAt());
        if (left.plus(by).compareTo(maxLabTtl) > 0) {
            throw new ApiException(
                    422,
                    "Lab would live too long",
                    List.of(new Problem(
                            "by",
                            "the lab expires in "
                                    + Durations.format(left.isNegative() ? Duration.ZERO : left.withNanos(0))
                                    + "; extending it by " + Durations.format(by) + " goes past the server's limit of "
                                    + Durations.format(maxLabTtl) + " from now",
                            "extend it by less, or ask the operator to raise --max-lab-ttl")));
        }
        LabRecord extended = store.labs()
                .extend(lab.id(), by)
                .orElseThrow(() -> ApiException.conflict(
                        "lab " + lab.id(), "the lab is not active", "bring it up again with 'lab up'"));
        store.auditLog()
                .record(
                        caller.name(),
                        "lab.extend",
                        lab.app() + "/lab/" + lab.branch(),
                        caller.source(),
                        "by " + Durations.format(by) + ", expires at " + extended.expiresAt());
        return extended;
    }

    /**
     * Takes the lab down now (its namespace or processes deleted), as the reaper would at its expiry.
     *
     * @throws ApiException 409 when it is not active, 502 when the teardown failed (the reaper retries it)
     */
    LabRecord down(LabRecord lab, Caller caller) {
        LabRecord claimed = store.labs()
                .claimForDown(lab.id(), serverId, LabReaper.CLAIM)
                .orElseThrow(() -> ApiException.conflict(
                        "lab " + lab.id(),
                        "the lab is " + lab.state().name().toLowerCase(Locale.ROOT) + ", not active",
                        "nothing to do; 'lab list' shows live labs"));
        boolean deleted = reaper.tearDown(claimed, caller, "taken down by " + caller.name());
        LabRecord after = store.labs().find(lab.id()).orElseThrow();
        if (!deleted) {
            throw new ApiException(
                    502,
                    "Lab teardown failed",
                    List.of(new Problem(
                            "lab " + lab.id() + " (" + lab.app() + "/" + lab.branch() + ")",
                            "the lab could not be taken down: "
                                    + after.lastError().orElse("a cluster refused or could not be reached"),
                            "the reaper retries it with backoff; check the cluster, then GET /api/labs/" + lab.id()
                                    + " or slipway lab list")));
        }
        return after;
    }
}
