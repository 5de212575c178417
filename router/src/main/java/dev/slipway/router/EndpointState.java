package dev.slipway.router;

import dev.slipway.router.RouterConfig.OutlierDetection;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Health of one endpoint as both the active checker and passing traffic see it. Lives across config reloads
 * (keyed by backend, cluster and address) so a reload does not forget that an endpoint is down.
 */
final class EndpointState {
    final String backend;
    final String cluster;
    final String label;
    final InetSocketAddress address;

    private volatile boolean checkHealthy = true;
    // 0 when not ejected; otherwise a System.nanoTime() deadline.
    private volatile long ejectedUntilNanos;
    // Wall-clock time the endpoint stopped taking traffic (0 while available), for operators and benchmarks.
    private volatile long unavailableSinceMillis;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicInteger ejections = new AtomicInteger();
    // Only touched by the health checker's single thread.
    private int checkStreak;

    EndpointState(String backend, String cluster, String host, int port) {
        this.backend = backend;
        this.cluster = cluster;
        this.label = host + ":" + port;
        // An IP address needs no lookup; a host name is left unresolved for the router's asynchronous DNS
        // resolver, which looks it up on the event loop without blocking it and follows the records' TTLs.
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        this.address = ip == null ? InetSocketAddress.createUnresolved(host, port) : literal(ip, host, port);
    }

    private static InetSocketAddress literal(byte[] ip, String host, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(host, ip), port);
        } catch (UnknownHostException e) {
            // getByAddress fails only for a wrong address length, which NetUtil never returns.
            throw new IllegalStateException(e);
        }
    }

    boolean available(long nowNanos) {
        return checkHealthy && !ejected(nowNanos);
    }

    /** Epoch millis when the endpoint last stopped taking traffic, if it is not taking traffic now. */
    long unavailableSinceMillis(long nowNanos) {
        return available(nowNanos) ? 0 : unavailableSinceMillis;
    }

    boolean checkHealthy() {
        return checkHealthy;
    }

    boolean ejected(long nowNanos) {
        long until = ejectedUntilNanos;
        return until != 0 && nowNanos - until < 0;
    }

    void recordSuccess() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    /** A failed request; ejects the endpoint for a doubling time once failures are consecutive enough. */
    boolean recordFailure(long nowNanos, OutlierDetection policy) {
        if (consecutiveFailures.incrementAndGet() < policy.consecutiveFailures() || ejected(nowNanos)) {
            return false;
        }
        consecutiveFailures.set(0);
        int n = Math.min(ejections.incrementAndGet(), 20);
        long base = policy.baseEjection().toNanos();
        long ejectFor = Math.min(policy.maxEjection().toNanos(), base << Math.min(n - 1, 16));
        ejectedUntilNanos = (nowNanos + ejectFor) | 1;
        if (checkHealthy) {
            unavailableSinceMillis = System.currentTimeMillis();
        }
        return true;
    }

    /** An active check result; flips health after {@code fall} failures or {@code rise} successes in a row. */
    void recordCheck(boolean ok, int fall, int rise) {
        if (ok == checkHealthy) {
            checkStreak = 0;
            if (ok) {
                // A healthy, reachable endpoint earns back its ejection history.
                ejections.set(0);
            }
            return;
        }
        checkStreak++;
        if (checkStreak >= (ok ? rise : fall)) {
            checkHealthy = ok;
            checkStreak = 0;
            if (ok) {
                ejectedUntilNanos = 0;
                consecutiveFailures.set(0);
                unavailableSinceMillis = 0;
            } else if (unavailableSinceMillis == 0 || !ejected(System.nanoTime())) {
                unavailableSinceMillis = System.currentTimeMillis();
            }
        }
    }
}
