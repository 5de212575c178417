package dev.slipway.router;

import dev.slipway.router.RouterConfig.Route;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One route as the proxy sees it: which requests it matches and, per its migration stage, whether a request
 * goes to the current backend (A) or the next one (B). Immutable apart from the rps token bucket.
 */
final class RouteTraffic {
    static final String OPTIN_COOKIE = "slipway-optin";
    static final String OPTIN_HEADER = "X-Slipway-Optin";
    static final String BUCKET_COOKIE = "slipway-bucket";

    final Route config;
    final BackendPool current;
    final BackendPool next;
    final Stage stage;
    final TokenBucket bucket;
    final long timeoutNanos;
    private final String host;
    private final boolean wildcardHost;
    private final String stickyHeader;
    private final boolean stickyByAddress;
    private final Decision toCurrent;
    private final Decision toNext;
    // Resolved on first use; a race resolves the same meters twice, which is harmless.
    private RouterMetrics.RequestMeters currentMeters;
    private RouterMetrics.RequestMeters nextMeters;

    /**
     * Where one request goes, and a cookie to set when the client was just assigned a percent bucket.
     *
     * @param couldNotTake the migration target the request was meant for when it had no available endpoint
     */
    record Decision(BackendPool backend, String setCookie, BackendPool couldNotTake) {
        Decision(BackendPool backend, String setCookie) {
            this(backend, setCookie, null);
        }
    }

    RouteTraffic(Route config, BackendPool current, BackendPool next, TokenBucket bucket) {
        this.config = config;
        this.current = current;
        this.next = next;
        this.stage = config.migration().map(RouterConfig.Migration::stage).orElse(Stage.off());
        this.bucket = bucket;
        this.timeoutNanos = config.timeout().toNanos();
        this.stickyHeader = config.stickiness().header().orElse(null);
        this.stickyByAddress = config.stickiness().clientAddress();
        this.toCurrent = new Decision(current, null);
        this.toNext = new Decision(next, null);
        String h = config.host().orElse(null);
        this.wildcardHost = h != null && h.startsWith("*.");
        this.host = wildcardHost ? h.substring(1) : h;
    }

    String name() {
        return config.name();
    }

    /** The meters of requests of this route that went to {@code backend} (its current or next backend). */
    RouterMetrics.RequestMeters meters(BackendPool backend, RouterMetrics metrics) {
        if (backend == current) {
            RouterMetrics.RequestMeters m = currentMeters;
            if (m == null) {
                m = metrics.requestMeters(name(), backend.name());
                currentMeters = m;
            }
            return m;
        }
        RouterMetrics.RequestMeters m = nextMeters;
        if (m == null) {
            m = metrics.requestMeters(name(), backend.name());
            nextMeters = m;
        }
        return m;
    }

    boolean hasHost() {
        return host != null;
    }

    boolean matches(String requestHost, String path) {
        if (host != null) {
            if (requestHost == null) {
                return false;
            }
            if (wildcardHost ? !requestHost.endsWith(host) : !requestHost.equals(host)) {
                return false;
            }
        }
        String prefix = config.pathPrefix();
        if (!path.startsWith(prefix)) {
            return false;
        }
        if (path.length() == prefix.length() || prefix.endsWith("/")) {
            return true;
        }
        char c = path.charAt(prefix.length());
        return c == '/' || c == '?' || c == '#';
    }

    /**
     * Where one request goes. A migration target with no available endpoint at all (a canary whose endpoints
     * are not yet health-checked, or all down) sends its share to the current backend: a stage never turns a
     * healthy current backend's requests into 503s.
     */
    Decision decide(HttpHeaders headers, String clientAddress) {
        if (next == null || stage instanceof Stage.Off) {
            return toCurrent;
        }
        Decision d = decideStaged(headers, clientAddress);
        if (d.backend() == next && !next.anyAvailable(System.nanoTime())) {
            return new Decision(current, d.setCookie(), next);
        }
        return d;
    }

    private Decision decideStaged(HttpHeaders headers, String clientAddress) {
        if (stage instanceof Stage.Full) {
            return toNext;
        }
        String cookies = headers.get("cookie");
        if (optedIn(headers.get(OPTIN_HEADER)) || optedIn(cookie(cookies, OPTIN_COOKIE))) {
            return toNext;
        }
        if (stage instanceof Stage.RequestsPerSecond) {
            return bucket.tryTake() ? toNext : toCurrent;
        }
        if (stage instanceof Stage.Percent p) {
            int clientBucket = stickyBucket(headers, clientAddress);
            if (clientBucket < 0) {
                clientBucket = parseBucket(cookie(cookies, BUCKET_COOKIE));
            }
            String setCookie = null;
            if (clientBucket < 0) {
                clientBucket = ThreadLocalRandom.current().nextInt(100);
                setCookie = BUCKET_COOKIE + "=" + clientBucket + "; Path=/; Max-Age=2592000; HttpOnly";
            }
            return new Decision(clientBucket < p.percent() ? next : current, setCookie);
        }
        return toCurrent;
    }

    /** The bucket the route's stickiness key gives this request, or -1 when it has none (then the cookie). */
    private int stickyBucket(HttpHeaders headers, String clientAddress) {
        String key = null;
        if (stickyHeader != null) {
            key = headers.get(stickyHeader);
        } else if (stickyByAddress) {
            key = clientAddress;
        }
        return key == null || key.isEmpty() ? -1 : bucketOf(key);
    }

    /**
     * A bucket 0-99 from a key, the same on every router and run: {@link String#hashCode} (specified by the
     * language) mixed by MurmurHash3's finaliser, so neighbouring ids spread over all buckets.
     */
    static int bucketOf(String key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return Math.floorMod(h, 100);
    }

    private boolean optedIn(String value) {
        if (value == null) {
            return false;
        }
        for (String v : value.split(",")) {
            String t = v.trim().toLowerCase(Locale.ROOT);
            if (t.equals("*") || t.equals(config.name().toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    private static int parseBucket(String value) {
        if (value == null || value.isEmpty() || value.length() > 2) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** The value of cookie {@code name} in a Cookie header, or null; no allocation when absent. */
    static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        int from = 0;
        while (true) {
            int i = header.indexOf(name, from);
            if (i < 0) {
                return null;
            }
            int eq = i + name.length();
            boolean startsPair = i == 0 || header.charAt(i - 1) == ' ' || header.charAt(i - 1) == ';';
            if (startsPair && eq < header.length() && header.charAt(eq) == '=') {
                int end = header.indexOf(';', eq);
                return header.substring(eq + 1, end < 0 ? header.length() : end).trim();
            }
            from = eq;
        }
    }
}
