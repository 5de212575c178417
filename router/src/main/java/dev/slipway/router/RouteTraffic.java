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
    Decision decide(HttpHeaders headers) {
        if (next == null || stage instanceof Stage.Off) {
            return toCurrent;
        }
        Decision d = decideStaged(headers);
        if (d.backend() == next && !next.anyAvailable(System.nanoTime())) {
            return new Decision(current, d.setCookie(), next);
        }
        return d;
    }

    private Decision decideStaged(HttpHeaders headers) {
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
            int clientBucket = parseBucket(cookie(cookies, BUCKET_COOKIE));
            String setCookie = null;
            if (clientBucket < 0) {
                clientBucket = ThreadLocalRandom.current().nextInt(100);
                setCookie = BUCKET_COOKIE + "=" + clientBucket + "; Path=/; Max-Age=2592000; HttpOnly";
            }
            return new Decision(clientBucket < p.percent() ? next : current, setCookie);
        }
        return toCurrent;
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
