package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.ClusterFailureException;
import dev.slipway.store.AppRecord;
import dev.slipway.store.LabRecord;
import dev.slipway.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes review labs whose expiry passed. Each lab is claimed in the store before anything is deleted, so with
 * several servers on one database each lab is torn down by exactly one; a failed teardown is retried with a growing
 * delay; every teardown and failure is audit-logged.
 */
final class LabReaper {

    private static final Logger LOG = LoggerFactory.getLogger(LabReaper.class);
    static final Duration CLAIM = Duration.ofMinutes(10);
    private static final Duration FIRST_RETRY = Duration.ofMinutes(1);
    private static final Duration MAX_RETRY = Duration.ofHours(1);
    private static final int BATCH = 50;

    private final Store store;
    private final Teardown teardown;
    private final String holder;
    private final Clock clock;
    private final ServerMetrics metrics;

    /** Removes a lab from where it runs: its clusters' namespace, or the server's local processes. */
    @FunctionalInterface
    interface Teardown {
        /** Tears the lab down and says what was removed, for the audit log; throws when that failed. */
        String tearDown(AppRecord app, LabRecord lab);
    }

    LabReaper(Store store, Teardown teardown, String holder, Clock clock, ServerMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.teardown = teardown;
        this.holder = holder;
        this.clock = clock;
    }

    /** What one sweep did. */
    record Sweep(int deleted, int failed) {}

    /** Claims and tears down every lab that is due now; counted in the metrics, also when it throws. */
    Sweep sweep() {
        Sweep sweep;
        try {
            sweep = sweepDue();
        } catch (RuntimeException e) {
            metrics.reaperSwept(false, 0, 0);
            throw e;
        }
        metrics.reaperSwept(true, sweep.deleted(), sweep.failed());
        return sweep;
    }

    private Sweep sweepDue() {
        int deleted = 0;
        int failed = 0;
        List<LabRecord> claimed;
        do {
            claimed = store.labs().claimExpired(holder, BATCH, CLAIM);
            for (LabRecord lab : claimed) {
                if (tearDown(lab, Caller.REAPER, "expired at " + lab.expiresAt())) {
                    deleted++;
                } else {
                    failed++;
                }
            }
        } while (claimed.size() == BATCH);
        return new Sweep(deleted, failed);
    }

    /** Tears one claimed lab down, recording the outcome; true when it is gone. */
    boolean tearDown(LabRecord lab, Caller caller, String why) {
        String target = lab.app() + "/lab/" + lab.branch();
        try {
            AppRecord app = store.apps()
                    .find(lab.app())
                    .orElseThrow(() -> new InvalidInputException(new Problem(
                            "app",
                            "app " + lab.app() + " is no longer registered",
                            "register it again so its lab group is known")));
            String removed = teardown.tearDown(app, lab);
            if (store.labs().markDeleted(lab.id(), holder)) {
                store.auditLog()
                        .record(caller.name(), "lab.delete", target, caller.source(), removed + " (" + why + ")");
                return true;
            }
            LOG.warn("lost the claim on lab {} while deleting it", lab.id());
            return false;
        } catch (InvalidInputException e) {
            return failed(
                    lab,
                    caller,
                    target,
                    e.problems().stream().map(Problem::describe).collect(Collectors.joining("; ")));
        } catch (ClusterFailureException e) {
            return failed(lab, caller, target, e.failure().toProblem().describe());
        } catch (RuntimeException e) {
            LOG.warn("deleting lab {} failed", lab.id(), e);
            return failed(lab, caller, target, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private boolean failed(LabRecord lab, Caller caller, String target, String error) {
        Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(10, Math.max(0, lab.reapAttempts() - 1)));
        if (delay.compareTo(MAX_RETRY) > 0) {
            delay = MAX_RETRY;
        }
        Instant retryAt = clock.instant().plus(delay);
        store.labs().recordFailure(lab.id(), holder, error, retryAt);
        store.auditLog()
                .record(
                        caller.name(),
                        "lab.delete-failed",
                        target,
                        caller.source(),
                        "attempt " + lab.reapAttempts() + " failed, retry at " + retryAt + ": " + error);
        return false;
    }
}
