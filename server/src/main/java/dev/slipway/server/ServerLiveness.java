package dev.slipway.server;

import dev.slipway.store.Leases;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's liveness lease ({@code server:<id>}), renewed on a thread that does nothing else: other servers
 * sharing the database mark the running deploys of a server whose lease expired as interrupted, so a renewal must
 * never wait behind a reaper sweep or a client's log stream.
 *
 * <p>A renewal that fails (database unreachable) or finds the lease held by another holder (a second server with the
 * same {@code --server-id}) makes the server stop claiming deploys and report itself unhealthy on {@code /health},
 * with an error in the log; every heartbeat tries again and a successful renewal ends that state. Deploys already
 * running are left to finish: stopping one mid-apply would leave a cluster half-changed, and if another server did
 * mark it interrupted meanwhile, its final state write is refused by the store.
 */
final class ServerLiveness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerLiveness.class);

    private final Leases leases;
    private final String lease;
    private final String holder;
    private final Duration heartbeat;
    private final Duration ttl;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final AtomicLong renewals = new AtomicLong();
    private volatile boolean held;
    // Monotonic, not the injected clock: whether this process renewed recently enough is a question of real
    // elapsed time (a stalled liveness thread), and a wall clock that jumps must not make the server unhealthy.
    private volatile long validUntilNanos = System.nanoTime();
    private volatile Optional<Instant> lastRenewal = Optional.empty();
    private volatile String lastProblem = "";

    ServerLiveness(Leases leases, String holder, Duration heartbeat, Duration ttl, Clock clock) {
        this.leases = leases;
        this.lease = "server:" + holder;
        this.holder = holder;
        this.heartbeat = heartbeat;
        this.ttl = ttl;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "slipway-liveness");
            t.setDaemon(true);
            return t;
        });
    }

    /** The lease's name in the store. */
    String lease() {
        return lease;
    }

    /** Renews now, then every heartbeat on the liveness thread. */
    void start() {
        renewNow();
        thread.scheduleWithFixedDelay(
                this::renewNow, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One renewal; returns whether this server holds its lease afterwards. */
    boolean renewNow() {
        Instant now = clock.instant();
        boolean renewed;
        String why;
        try {
            renewed = leases.tryAcquire(lease, holder, ttl);
            why = renewed
                    ? ""
                    : "another holder has lease " + lease + " (is a second server running with --server-id " + holder
                            + "?)";
        } catch (RuntimeException e) {
            renewed = false;
            why = "the database did not answer: " + e;
        }
        if (renewed) {
            Optional<Instant> previous = lastRenewal;
            if (previous.isPresent() && now.isAfter(previous.get().plus(ttl))) {
                LOG.error(
                        "liveness lease {} lapsed between {} and {}: other servers may have marked this server's"
                                + " running deploys interrupted",
                        lease,
                        previous.get(),
                        now);
            }
            if (!held && previous.isPresent()) {
                LOG.warn("liveness lease {} renewed again: claiming deploys and reporting healthy", lease);
            }
            lastRenewal = Optional.of(now);
            validUntilNanos = System.nanoTime() + ttl.toNanos();
            held = true;
            renewals.incrementAndGet();
        } else {
            if (held) {
                LOG.error(
                        "LOST liveness lease {}: {}. This server stops claiming deploys and reports unhealthy until"
                                + " a renewal succeeds (retried every {})",
                        lease,
                        why,
                        heartbeat);
            } else {
                LOG.warn("liveness lease {} still not renewed: {}", lease, why);
            }
            held = false;
            lastProblem = why;
        }
        return renewed;
    }

    /**
     * Whether the last renewal succeeded and the lease it took has not run out (a stalled renewal counts as lost):
     * only then are deploys claimed.
     */
    boolean healthy() {
        return held && System.nanoTime() - validUntilNanos < 0;
    }

    /** Why the last failed renewal failed. */
    String lastProblem() {
        return lastProblem;
    }

    /** How many renewals succeeded, for tests and the health document. */
    long renewals() {
        return renewals.get();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
