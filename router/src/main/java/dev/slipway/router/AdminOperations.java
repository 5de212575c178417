package dev.slipway.router;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** What the admin API may do to the router: the seam between {@link AdminHandler} and {@link NettyRouter}. */
interface AdminOperations {
    InetSocketAddress address();

    InetSocketAddress adminAddress();

    RoutingSnapshot snapshot();

    Stage stage(String route);

    void changeStage(String route, Stage stage);

    Router.ReloadOutcome reload();

    Router.ReloadOutcome lastReload();

    CompletableFuture<Void> drain(Duration grace);

    boolean draining();

    RouterStats stats();

    /** The sources the router is fed from, as last reported; empty for a router read from its file. */
    java.util.Map<String, SourceStatus> sources();

    /** The meters in Prometheus text format. */
    String scrape();

    /** Runs {@code work} where it may block: never on an event loop. */
    <T> CompletableFuture<T> offLoop(Supplier<T> work);
}
