package dev.slipway.router;

import dev.slipway.core.Problem;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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

    /** Re-reads the config file; when it is invalid the current config keeps serving and the problems are returned. */
    ReloadOutcome reload();

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
