package dev.slipway.router;

import dev.slipway.core.Problem;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Slipway's traffic front end: an HTTP/1.1 reverse proxy with route timeouts, staged migration between
 * backends and cluster failover. The one entry point for the CLI and for tests.
 */
public interface Router extends AutoCloseable {

    /**
     * Starts a router from a config file, watching the file for changes.
     *
     * @throws dev.slipway.core.InvalidInputException when the config is invalid (nothing is started)
     */
    static Router start(Path configFile) {
        return start(configFile, Clock.systemUTC());
    }

    /** As {@link #start(Path)}, with the clock that drives the rps stage (tests drive it by hand). */
    static Router start(Path configFile, Clock clock) {
        return NettyRouter.start(configFile, clock);
    }

    /**
     * Starts a router from a config built in code (no file is read or watched; change it with
     * {@link #apply(RouterConfig)}). Used where the caller already holds the routing as values, as local runs do.
     *
     * @throws dev.slipway.core.InvalidInputException when the config breaks a rule the file format enforces
     */
    static Router start(RouterConfig config) {
        return start(config, Clock.systemUTC());
    }

    /** As {@link #start(RouterConfig)}, with the clock that drives the rps stage. */
    static Router start(RouterConfig config, Clock clock) {
        return NettyRouter.start(config, clock);
    }

    /** Where clients connect (the actual port when the config asked for port 0). */
    InetSocketAddress address();

    /** Where the admin API listens. */
    InetSocketAddress adminAddress();

    /** The configuration in force, with stage changes made through the admin API applied. */
    RouterConfig config();

    /** The stage in force for a route (off when it has no migration). */
    Stage stage(String route);

    /**
     * Moves a route to a migration stage at once.
     *
     * @throws dev.slipway.core.InvalidInputException when the route does not exist or has no migration
     */
    void changeStage(String route, Stage stage);

    /**
     * The cumulative numbers of every route's backend and migration target, in total and per cluster (what
     * {@code GET /stats} serves): a rollout controller reads them twice and judges the difference.
     */
    RouterStats stats();

    /**
     * Re-reads the config file; when it is invalid the current config keeps serving and the problems are
     * returned. A router started from a {@link RouterConfig} has no file: its reload is rejected.
     */
    ReloadOutcome reload();

    /**
     * Swaps in {@code config} as a reload would (requests in progress finish on the old table; endpoint health
     * and stage changes made through the admin API carry over); when it breaks a rule, the current config
     * keeps serving and the problems are returned. {@code listen} and {@code admin} change only on restart.
     */
    ReloadOutcome apply(RouterConfig config);

    /**
     * Replaces what the router knows about the sources it is fed from (by name, e.g. one per cluster): shown in
     * {@code GET /healthz} ({@code degraded} while one is stale; still 200, since the router keeps serving its
     * last good config), in {@code GET /config} and as the gauge {@code slipway_router_source_stale}. A router
     * nobody reports sources to answers {@code /healthz} as before.
     */
    void reportSources(Map<String, SourceStatus> sources);

    /** The sources last reported, in report order. */
    Map<String, SourceStatus> sources();

    /**
     * Stops accepting connections, answers health checks with 503 and closes connections as their current
     * request completes. Completes when no client connection is left or {@code grace} has passed.
     */
    CompletableFuture<Void> drain(Duration grace);

    /** Completes when the router has stopped. */
    CompletableFuture<Void> terminated();

    /** Stops at once: open connections are closed. */
    @Override
    void close();

    /** What a reload did: applied, or kept the previous config because of {@code problems}. */
    record ReloadOutcome(boolean applied, List<Problem> problems) {
        public ReloadOutcome {
            problems = List.copyOf(problems);
        }

        static ReloadOutcome ok() {
            return new ReloadOutcome(true, List.of());
        }

        static ReloadOutcome rejected(List<Problem> problems) {
            return new ReloadOutcome(false, problems);
        }
    }
}
