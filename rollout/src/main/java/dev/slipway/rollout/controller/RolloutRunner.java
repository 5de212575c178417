package dev.slipway.rollout.controller;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ticks a controller's rollouts on a schedule: each rollout it follows once right away, then every analysis
 * interval of its spec after the previous tick ended, until the rollout is settled. What {@code slipway server}
 * (every rollout in its store) and {@code slipway rollout run} (one) run the controller with. A tick that fails
 * is logged and tried again an interval later; a rollout that no longer exists is dropped.
 */
public final class RolloutRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RolloutRunner.class);
    private static final Duration RETRY = Duration.ofSeconds(10);

    /** Where ticks are scheduled: a thread of the runner's own, or a test's hand-driven queue. */
    @FunctionalInterface
    public interface Scheduler {
        /** Runs {@code task} once after {@code delay}; the result cancels it. */
        Runnable schedule(Runnable task, Duration delay);
    }

    private final RolloutController controller;
    private final Scheduler scheduler;
    private final ClusterHealth health;
    private final Runnable shutdown;
    private final Map<RolloutKey, Runnable> followed = new ConcurrentHashMap<>();

    public RolloutRunner(RolloutController controller, Scheduler scheduler) {
        this(controller, scheduler, ClusterHealth.none());
    }

    /** A runner that, before each tick, pauses or resumes the rollout as {@code health} sees its clusters. */
    public RolloutRunner(RolloutController controller, Scheduler scheduler, ClusterHealth health) {
        this(controller, scheduler, health, () -> {});
    }

    private RolloutRunner(RolloutController controller, Scheduler scheduler, ClusterHealth health, Runnable shutdown) {
        this.controller = controller;
        this.scheduler = scheduler;
        this.health = health;
        this.shutdown = shutdown;
    }

    /** A runner on a daemon thread of its own, {@code rollout-controller}, stopped by {@link #close}. */
    public static RolloutRunner onOwnThread(RolloutController controller) {
        return onOwnThread(controller, ClusterHealth.none());
    }

    /** The same, following {@code health} before each tick (see {@link #followHealth}). */
    public static RolloutRunner onOwnThread(RolloutController controller, ClusterHealth health) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rollout-controller");
            t.setDaemon(true);
            return t;
        });
        Scheduler scheduler = (task, delay) -> {
            ScheduledFuture<?> f = executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
        return new RolloutRunner(controller, scheduler, health, executor::shutdownNow);
    }

    /**
     * Tells {@code controller} which of the rollout's clusters went down or came back since its last reading:
     * a cluster the routers see without a healthy stable endpoint pauses the rollout ({@link
     * RolloutController#clusterDown}); when every cluster is healthy again it resumes ({@link
     * RolloutController#clusterUp}). No reading changes nothing.
     */
    public static RolloutState followHealth(RolloutController controller, ClusterHealth health, RolloutKey key) {
        RolloutState state = controller
                .status(key)
                .orElseThrow(() -> new InvalidInputException(
                        new Problem("rollout " + key, "no rollout of " + key, "start one with a deploy")));
        if (state.settled()) {
            return state;
        }
        List<String> clusters =
                state.clusters().stream().map(ClusterRollout::cluster).toList();
        Optional<Map<String, String>> down = health.down(key, clusters);
        if (down.isEmpty()) {
            return state;
        }
        for (String cluster : clusters) {
            String why = down.get().get(cluster);
            if (why != null && !state.down().contains(cluster)) {
                state = controller.clusterDown(key, cluster, why);
            } else if (why == null && state.down().contains(cluster)) {
                state = controller.clusterUp(key, cluster);
            }
        }
        return state;
    }

    /** Ticks {@code key} from now on until it settles; following a followed rollout again changes nothing. */
    public void follow(RolloutKey key) {
        // Marked followed before the first tick is scheduled: on another thread it may run at once, and a tick
        // that found its key missing would not schedule the next one.
        Runnable placeholder = () -> {};
        if (followed.putIfAbsent(key, placeholder) == null) {
            Runnable cancel = scheduler.schedule(() -> tick(key), Duration.ZERO);
            // Unless that tick already scheduled its successor (or settled the rollout).
            followed.replace(key, placeholder, cancel);
        }
    }

    /** The rollouts being ticked. */
    public Set<RolloutKey> following() {
        return Set.copyOf(followed.keySet());
    }

    private void tick(RolloutKey key) {
        Duration next;
        try {
            followHealth(controller, health, key);
            RolloutState state = controller.tick(key);
            if (state.settled()) {
                followed.remove(key);
                log.info("rollout {} settled: {}", key, state.promoted() ? "promoted" : "stopped");
                return;
            }
            next = state.spec().analysis().interval();
        } catch (InvalidInputException e) {
            followed.remove(key);
            log.warn("rollout {} is no longer followed: {}", key, e.getMessage());
            return;
        } catch (StaleRolloutException e) {
            log.info("rollout {} was changed meanwhile; ticking again", key);
            next = Duration.ZERO;
        } catch (RuntimeException e) {
            log.error("a tick of rollout {} failed; trying again in {}", key, RETRY, e);
            next = RETRY;
        }
        if (followed.containsKey(key)) {
            followed.put(key, scheduler.schedule(() -> tick(key), next));
        }
    }

    /** Stops ticking; a tick under way finishes. */
    @Override
    public void close() {
        followed.values().forEach(Runnable::run);
        followed.clear();
        shutdown.run();
    }
}
