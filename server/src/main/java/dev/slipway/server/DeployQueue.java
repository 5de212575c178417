package dev.slipway.server;

import dev.slipway.store.DeployRecord;
import dev.slipway.store.Store;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes queued deploys from the store and runs them, one at a time per app/environment (the store's slot
 * guarantees it, across servers too) and side by side across environments. Polls as a backstop for deploys
 * enqueued by other servers; a local enqueue wakes it at once.
 */
final class DeployQueue implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeployQueue.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final Store store;
    private final DeployRunner runner;
    private final String owner;
    private final ScheduledExecutorService poller;
    private final ExecutorService workers;
    private final AtomicBoolean draining = new AtomicBoolean();
    // A deploy is claimed only when a worker is free to run it, so a claimed deploy is a running one and
    // other servers can take what this one has no room for.
    private final Semaphore freeWorkers;
    private final BooleanSupplier mayClaim;
    private final int parallelism;

    /**
     * @param mayClaim whether this server may take new deploys now: false while its liveness lease is not renewed,
     *     since another server could mark whatever it claims as interrupted
     */
    DeployQueue(Store store, DeployRunner runner, String owner, int parallelism, BooleanSupplier mayClaim) {
        this.store = store;
        this.mayClaim = mayClaim;
        this.runner = runner;
        this.owner = owner;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "slipway-deploy-queue"));
        this.workers = Executors.newFixedThreadPool(parallelism, r -> daemon(r, "slipway-deploy"));
        this.freeWorkers = new Semaphore(parallelism);
        this.parallelism = parallelism;
    }

    void start() {
        poller.scheduleWithFixedDelay(this::drain, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Looks for work now rather than at the next poll. */
    void wake() {
        if (!poller.isShutdown()) {
            poller.execute(this::drain);
        }
    }

    private void drain() {
        if (!mayClaim.getAsBoolean() || !draining.compareAndSet(false, true)) {
            return;
        }
        try {
            while (freeWorkers.tryAcquire()) {
                Optional<DeployRecord> next = claimOrRelease();
                if (next.isEmpty()) {
                    break;
                }
                DeployRecord deploy = next.get();
                workers.execute(() -> {
                    try {
                        runner.run(deploy);
                    } finally {
                        freeWorkers.release();
                    }
                    wake();
                });
            }
        } catch (RuntimeException e) {
            // The database may be briefly unreachable; the next poll tries again.
            LOG.warn("could not read the deploy queue: {}", e.toString());
        } finally {
            draining.set(false);
        }
    }

    private Optional<DeployRecord> claimOrRelease() {
        try {
            Optional<DeployRecord> next = store.deploys().claimNext(owner);
            if (next.isEmpty()) {
                freeWorkers.release();
            }
            return next;
        } catch (RuntimeException e) {
            freeWorkers.release();
            throw e;
        }
    }

    /** The deploys this server is running now. */
    int running() {
        return parallelism - freeWorkers.availablePermits();
    }

    /** Claims nothing more; running deploys go on (see {@link #awaitRunning}). */
    void stopClaiming() {
        poller.shutdownNow();
    }

    /** Waits up to {@code timeout} for the running deploys' threads to end; false when some still run. */
    boolean awaitRunning(Duration timeout) {
        poller.shutdownNow();
        workers.shutdown();
        try {
            return workers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        // Running deploys are not interrupted: the server marks them interrupted in the store as it stops, exactly
        // as a restart after a crash would (SlipwayServer.close, which also waits for their threads).
        poller.shutdownNow();
        workers.shutdown();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
