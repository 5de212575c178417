package dev.slipway.router;

import dev.slipway.router.RouterConfig.RetryPolicy;
import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** What every connection of one router shares: the current routing snapshot, limits, counters and pools. */
final class ProxyRuntime {
    final RouterMetrics metrics;
    final Transport transport;
    final Clock clock;
    /** Resolves endpoint host names without blocking the event loop (IP endpoints need no lookup). */
    final AddressResolverGroup<? extends SocketAddress> resolver;

    /** Client TLS contexts of the backends with {@code tls:}, prepared when a config is installed. */
    final UpstreamTlsContexts upstreamTls = new UpstreamTlsContexts();

    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger tunnels = new AtomicInteger();
    private final Set<UpstreamPool> pools = ConcurrentHashMap.newKeySet();
    private final FastThreadLocal<UpstreamPool> poolOfLoop = new FastThreadLocal<>();
    private final ConcurrentHashMap<EventExecutor, DeadlineWheel> wheels = new ConcurrentHashMap<>();
    private volatile RoutingSnapshot snapshot;
    private volatile RequestTelemetry telemetry;
    private final FastThreadLocal<RetryBudget> budgetOfLoop = new FastThreadLocal<>();
    private final int loops;
    private volatile boolean draining;

    ProxyRuntime(RouterMetrics metrics, Transport transport, Clock clock) {
        this(metrics, transport, clock, 1, DefaultAddressResolverGroup.INSTANCE);
    }

    /** With {@code loops} event loops serving traffic, among which the retry allowance is split. */
    ProxyRuntime(
            RouterMetrics metrics,
            Transport transport,
            Clock clock,
            int loops,
            AddressResolverGroup<? extends SocketAddress> resolver) {
        this.loops = loops;
        this.resolver = resolver;
        this.metrics = metrics;
        this.transport = transport;
        this.clock = clock;
        // Trace context only, until a config asks for more.
        this.telemetry = RequestTelemetry.of(RouterConfig.Telemetry.defaults(), metrics);
        metrics.gauge(RouterMeters.CONNECTIONS, connections, AtomicInteger::get);
        metrics.gauge(RouterMeters.IN_FLIGHT, inFlight, AtomicInteger::get);
        metrics.gauge(RouterMeters.TUNNELS, tunnels, AtomicInteger::get);
        for (String reason : Tunnel.CLOSE_REASONS) {
            metrics.declare(RouterMeters.TUNNELS_CLOSED, reason);
        }
        metrics.gauge(
                RouterMeters.POOL_IDLE,
                pools,
                ps -> ps.stream().mapToInt(UpstreamPool::idleCount).sum());
    }

    RoutingSnapshot snapshot() {
        return snapshot;
    }

    /** The trace context, access log and span export of the current config. */
    RequestTelemetry telemetry() {
        return telemetry;
    }

    /** Starts using {@code next}; returns the one it replaces (null at first), for the caller to close. */
    RequestTelemetry telemetry(RequestTelemetry next) {
        RequestTelemetry was = telemetry;
        telemetry = next;
        return was;
    }

    void install(RoutingSnapshot next) {
        snapshot = next;
        metrics.describe(next, System::nanoTime);
    }

    /**
     * The retry budget of the calling event loop: each loop has its own, so the per-request deposit and the
     * retry check take no lock. A budget lives until the retry policy changes (a reload that keeps the policy
     * keeps the budget).
     */
    RetryBudget retryBudget() {
        RetryPolicy policy = snapshot.config.retries();
        RetryBudget budget = budgetOfLoop.get();
        if (budget == null || !budget.policy().equals(policy)) {
            budget = new RetryBudget(policy, loops, clock);
            budgetOfLoop.set(budget);
        }
        return budget;
    }

    boolean draining() {
        return draining;
    }

    void startDraining() {
        draining = true;
    }

    /** The pool of the calling event loop: upstream channels live on the loop of the client channel. */
    UpstreamPool pool(EventLoop loop) {
        UpstreamPool pool = poolOfLoop.get();
        if (pool == null) {
            pool = new UpstreamPool(loop, this);
            poolOfLoop.set(pool);
            pools.add(pool);
        }
        return pool;
    }

    /** The timeouts of a connection's event loop (looked up once per connection). */
    DeadlineWheel wheel(EventExecutor loop) {
        return wheels.computeIfAbsent(loop, l -> new DeadlineWheel(l, System::nanoTime));
    }

    void closePools() {
        pools.forEach(UpstreamPool::closeIdle);
    }
}
