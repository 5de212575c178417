package dev.slipway.rollout.feed;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.router.AdminToken;
import dev.slipway.router.RouterConfig;
import dev.slipway.router.RouterConfig.Address;
import java.util.Optional;

/**
 * How a fed router listens and which hosts its routes answer.
 *
 * @param listen where clients connect
 * @param admin the admin API (keep it on loopback)
 * @param adminToken when present, admin requests but {@code GET /healthz} need it
 * @param host the first routable service answers this host and every other service {@code <service>.<host>};
 *     empty: the first service answers any host (then the app may have only one routable service)
 * @param telemetry the access log and span export, as a router config's {@code accessLog:} and {@code tracing:}
 * @param site the site (clusters file's {@code site}) this router runs at: its clusters take the traffic while
 *     one is healthy, the other sites' only when none is; empty: the clusters share it by weight alone
 * @param sticky how percent stages keep each client on one side (the environment's {@code rollout.sticky})
 */
public record FeedSettings(
        Address listen,
        Address admin,
        Optional<AdminToken> adminToken,
        Optional<String> host,
        RouterConfig.Telemetry telemetry,
        Optional<String> site,
        RouterConfig.Stickiness sticky) {

    /** Sticky by the bucket cookie (until {@link #withSticky}). */
    public FeedSettings(
            Address listen,
            Address admin,
            Optional<AdminToken> adminToken,
            Optional<String> host,
            RouterConfig.Telemetry telemetry,
            Optional<String> site) {
        this(listen, admin, adminToken, host, telemetry, site, RouterConfig.Stickiness.COOKIE);
    }
    /** Listening on {@code listen}, the admin API on an ephemeral loopback port, no token, any host. */
    public static FeedSettings on(Address listen) {
        return new FeedSettings(
                listen,
                new Address("127.0.0.1", 0),
                Optional.empty(),
                Optional.empty(),
                RouterConfig.Telemetry.defaults(),
                Optional.empty());
    }

    /**
     * Reads {@code host:port} (IPv6 hosts in brackets) given as {@code where}.
     *
     * @throws InvalidInputException when it is not one
     */
    public static Address address(String text, String where) {
        int colon = text.lastIndexOf(':');
        String host = colon <= 0 ? "" : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (!host.isEmpty() && port >= 0 && port <= 65535) {
                return new Address(host, port);
            }
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            // reported below
        }
        throw new InvalidInputException(new Problem(
                where, "'" + text + "' is not host:port", "write e.g. 0.0.0.0:8080 (port 0 picks a free one)"));
    }

    public FeedSettings withHost(String host) {
        return new FeedSettings(listen, admin, adminToken, Optional.of(host), telemetry, site, sticky);
    }

    public FeedSettings withSite(String site) {
        return new FeedSettings(listen, admin, adminToken, host, telemetry, Optional.of(site), sticky);
    }

    public FeedSettings withSticky(RouterConfig.Stickiness sticky) {
        return new FeedSettings(listen, admin, adminToken, host, telemetry, site, sticky);
    }
}
