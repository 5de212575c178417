package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.rollout.controller.ClusterHealth;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutEvents;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutRunner;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RouterClusterHealth;
import dev.slipway.rollout.controller.RouterTrafficStats;
import dev.slipway.rollout.feed.FeedRouting;
import dev.slipway.router.RouterStats;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The controller of one rollout kept on this machine, ticking on a {@code rollout-controller} thread of its own:
 * what {@code slipway rollout run} runs, and {@code slipway deploy --routers FILE} while it follows its rollout.
 * It judges the numbers of the routers in the routers file (default: the one on 127.0.0.1:9901), follows their view
 * of the clusters' health before every tick, and writes the stages file the routers follow.
 */
final class RolloutDriver implements AutoCloseable {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

    private final RolloutKey key;
    private final List<RoutersFile.RouterAdmin> routers;
    private final RolloutController controller;
    private final ClusterHealth health;
    private final ScheduledExecutorService executor;
    private final CompletableFuture<RolloutState> settled = new CompletableFuture<>();
    private final AtomicReference<RolloutRunner> runner = new AtomicReference<>();
    private final AtomicBoolean stopped = new AtomicBoolean();

    private RolloutDriver(
            RolloutKey key, List<RoutersFile.RouterAdmin> routers, RolloutController controller, ClusterHealth health) {
        this.key = key;
        this.routers = routers;
        this.controller = controller;
        this.health = health;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rollout-controller");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A driver for the rollout of {@code key}, not ticking yet: the app's routable services name the routes to
     * judge, {@code routersFile} (resolved by the caller; empty: the local router) the routers, {@code stagesFile}
     * the stages file when not the default one.
     */
    static RolloutDriver open(
            CliContext context,
            RolloutKey key,
            Path appDir,
            ClusterOptions clusters,
            Optional<Path> routersFile,
            Optional<Path> stagesFile,
            RolloutEvents events) {
        App app = AppLoader.load(context.resolve(appDir));
        List<RoutersFile.RouterAdmin> routers =
                routersFile.map(RoutersFile::read).orElseGet(RoutersFile::local);
        HttpClient http = HttpClient.newBuilder().connectTimeout(READ_TIMEOUT).build();
        Map<String, Supplier<RouterStats>> readers = new LinkedHashMap<>();
        Map<String, Supplier<JsonNode>> configs = new LinkedHashMap<>();
        for (RoutersFile.RouterAdmin r : routers) {
            readers.put(r.toString(), RouterTrafficStats.overHttp(http, r.admin(), r.token(), READ_TIMEOUT));
            configs.put(r.toString(), RouterClusterHealth.configOverHttp(http, r.admin(), r.token(), READ_TIMEOUT));
        }
        List<RouterTrafficStats.TrackRoutes> routes = FeedRouting.routable(app.spec()).stream()
                .map(s -> new RouterTrafficStats.TrackRoutes(s.name(), s.name(), s.name() + "-" + FeedRouting.CANARY))
                .toList();
        RolloutController controller = DirectRollouts.controller(
                context,
                appDir,
                clusters,
                stagesFile,
                new RouterTrafficStats(readers, k -> routes),
                events,
                RolloutController.CONTROLLER);
        // Cluster health first at every tick, so a tick never moves a step on into a cluster that is down.
        return new RolloutDriver(key, routers, controller, new RouterClusterHealth(configs, k -> routes));
    }

    /** The routers whose numbers are judged. */
    List<RoutersFile.RouterAdmin> routers() {
        return routers;
    }

    RolloutController controller() {
        return controller;
    }

    /**
     * Starts ticking: once at once, then every analysis interval. The future completes with the state once the
     * rollout is settled, or exceptionally with the refusal when its file went away.
     */
    CompletableFuture<RolloutState> follow(CliContext context) {
        RolloutRunner.Scheduler scheduler = (task, delay) -> {
            ScheduledFuture<?> f = executor.schedule(
                    () -> {
                        task.run();
                        // The runner stops following a rollout once it is settled: then this run is over.
                        if (runner.get().following().isEmpty()) {
                            controller
                                    .status(key)
                                    .ifPresentOrElse(
                                            settled::complete,
                                            () -> settled.completeExceptionally(
                                                    RolloutCommand.noRollout(context, key)));
                        }
                    },
                    delay.toMillis(),
                    TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
        runner.set(new RolloutRunner(controller, scheduler, health));
        runner.get().follow(key);
        return settled;
    }

    /** Where the rollout is now, in a word or two ({@code gone} without one). */
    String where() {
        return controller.status(key).map(RolloutStatusText::overall).orElse("gone");
    }

    /** Stops ticking once the tick under way is done, so what it decided is stored and acted on. Idempotent. */
    @Override
    public void close() {
        if (stopped.compareAndSet(false, true)) {
            if (runner.get() != null) {
                runner.get().close();
            }
            executor.shutdown();
            try {
                executor.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
