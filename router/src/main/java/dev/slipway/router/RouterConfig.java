package dev.slipway.router;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The router's whole configuration, validated: every route already carries its effective timeouts, so no
 * code path can forget one. Read from YAML by {@link RouterConfigLoader}, or built in code and handed to
 * {@link Router#start(RouterConfig)} / {@link Router#apply(RouterConfig)}; immutable so a reload swaps it whole.
 *
 * @param adminToken when present, every admin request but {@code GET /healthz} must carry it as a bearer token
 * @param telemetry the access log and trace export, both off by default (trace context is always forwarded)
 * @param site the site this router runs at: each backend's clusters of this site (or of no named site) take its
 *     traffic while one of them is healthy, the other sites' clusters only when none is; empty: no preference
 * @param proxyProtocol whether every client connection starts with a PROXY protocol header (v1 or v2) naming the
 *     real client, as an L4 load balancer in front sends it; a connection without one is closed
 * @param tls TLS termination on the listener (certificates per host name); empty: plain HTTP
 * @param source the file it was read from (for messages and reloads); empty when built in code
 */
public record RouterConfig(
        Address listen,
        Address admin,
        Optional<AdminToken> adminToken,
        Limits limits,
        RetryPolicy retries,
        Telemetry telemetry,
        Optional<String> site,
        boolean proxyProtocol,
        Optional<Tls> tls,
        Map<String, Backend> backends,
        List<Route> routes,
        Optional<Path> source) {

    public RouterConfig {
        backends = Map.copyOf(backends);
        routes = List.copyOf(routes);
    }

    /**
     * A config built in code: default limits and retries, no admin token, the admin API on an ephemeral
     * loopback port. Backends keep their order of {@code backends}.
     */
    public static RouterConfig of(Address listen, List<Backend> backends, List<Route> routes) {
        Map<String, Backend> byName = new LinkedHashMap<>();
        backends.forEach(b -> byName.put(b.name(), b));
        return new RouterConfig(
                listen,
                new Address("127.0.0.1", 0),
                Optional.empty(),
                Limits.defaults(),
                RetryPolicy.defaults(),
                Telemetry.defaults(),
                Optional.empty(),
                false,
                Optional.empty(),
                byName,
                routes,
                Optional.empty());
    }

    /** The default route timeout when a route sets none: requests never wait forever. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** The default connect timeout to an endpoint. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    /** A host and port to listen on or connect to. */
    public record Address(String host, int port) {
        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /**
     * TLS termination on the listener: the certificate is picked by the name the client asks for (SNI); a client
     * that names none, or a name no certificate lists, gets the first certificate. TLS 1.3 and 1.2 only.
     *
     * @param certificates at least one; the first is the default
     * @param ciphers the cipher suites offered for TLS 1.2 and 1.3, in order of preference ({@link #MODERN_CIPHERS}
     *     unless the config names others)
     */
    public record Tls(List<Certificate> certificates, List<String> ciphers) {
        /** The only protocol versions the listener speaks. */
        public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

        /** Forward-secret AEAD suites only: TLS 1.3's three, then ECDHE with AES-GCM or ChaCha20-Poly1305. */
        public static final List<String> MODERN_CIPHERS = List.of(
                "TLS_AES_128_GCM_SHA256",
                "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

        public Tls {
            certificates = List.copyOf(certificates);
            ciphers = List.copyOf(ciphers);
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("TLS needs at least one certificate");
            }
        }

        /** The given certificates with the modern cipher list. */
        public static Tls of(List<Certificate> certificates) {
            return new Tls(certificates, MODERN_CIPHERS);
        }
    }

    /**
     * A certificate chain (PEM, leaf first) and its private key (PEM, PKCS#8, readable by the owner only), served
     * for {@code hosts} (exact names, or {@code *.example.com} for any subdomain).
     */
    public record Certificate(List<String> hosts, Path chain, Path key) {
        public Certificate {
            hosts = List.copyOf(hosts);
        }
    }

    /**
     * TLS on the connections to a backend's endpoints.
     *
     * @param ca the PEM file of the certificate authorities to trust (the backend's certificate must chain to one)
     * @param serverName the name sent as SNI and checked against the backend's certificate; empty: the endpoint's
     *     host
     */
    public record UpstreamTls(Path ca, Optional<String> serverName) {}

    /** Protection against slow, huge or too many clients. */
    public record Limits(
            int maxHeaderBytes,
            int maxInitialLineBytes,
            Duration headerReadTimeout,
            Duration idleTimeout,
            int maxConnections,
            int maxInFlight) {
        /** The limits docs/router.md lists as defaults. */
        public static Limits defaults() {
            return new Limits(16 * 1024, 8 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(60), 10_000, 10_000);
        }
    }

    /** When failed requests may be retried: at most {@code maxRetries} per request, within a budget. */
    public record RetryPolicy(int maxRetries, int budgetPercent, int minRetriesPerSecond) {
        /** Two retries, within 20% of requests plus 10 per second. */
        public static RetryPolicy defaults() {
            return new RetryPolicy(2, 20, 10);
        }
    }

    /**
     * What the router tells about each request besides its metrics. W3C trace context is always forwarded (the
     * router's own span id in {@code traceparent}, a trace started when the client sent none); an access log
     * and span export only when configured.
     *
     * @param accessLog a JSON line per request to this file ({@code -}: standard output)
     * @param sampleRatio the share of traces the router starts that are marked sampled (a client's own sampled
     *     flag is kept)
     * @param otlp where spans are exported to, if anywhere
     */
    public record Telemetry(Optional<String> accessLog, double sampleRatio, Optional<Otlp> otlp) {
        /** No access log, every started trace sampled, no span export. */
        public static Telemetry defaults() {
            return new Telemetry(Optional.empty(), 1.0, Optional.empty());
        }

        /** Whether anything is written per request (the access log or spans). */
        public boolean records() {
            return accessLog.isPresent() || otlp.isPresent();
        }
    }

    /**
     * Span export over OTLP/HTTP (protobuf), e.g. to a collector's {@code http://127.0.0.1:4318/v1/traces}.
     *
     * @param headers sent with every export (an API key, say): read from a file, never shown
     */
    public record Otlp(URI endpoint, String serviceName, Map<String, String> headers, Duration timeout) {
        public Otlp {
            headers = Map.copyOf(headers);
        }

        @Override
        public String toString() {
            return "Otlp[endpoint=" + endpoint + ", serviceName=" + serviceName + ", headers=" + headers.keySet()
                    + ", timeout=" + timeout + "]";
        }
    }

    /** Active HTTP health check of every endpoint of a backend. */
    public record HealthCheck(String path, Duration interval, Duration timeout, int fall, int rise) {}

    /** Passive outlier detection: eject an endpoint after consecutive failures, backing off on repeats. */
    public record OutlierDetection(int consecutiveFailures, Duration baseEjection, Duration maxEjection) {
        /** Five failures in a row eject for 5 s, doubling up to 2 minutes. */
        public static OutlierDetection defaults() {
            return new OutlierDetection(5, Duration.ofSeconds(5), Duration.ofMinutes(2));
        }
    }

    /**
     * One cluster of a backend: its endpoints and its share of the backend's traffic.
     *
     * @param site where the cluster runs; a router with a {@link RouterConfig#site} prefers its own site's
     *     clusters; empty: counted as the router's own site
     */
    public record Cluster(String name, int weight, List<Address> endpoints, Optional<String> site) {
        public Cluster {
            endpoints = List.copyOf(endpoints);
        }

        /** A cluster of no named site. */
        public Cluster(String name, int weight, List<Address> endpoints) {
            this(name, weight, endpoints, Optional.empty());
        }
    }

    /**
     * A backend: the same service deployed in several clusters.
     *
     * @param failoverBelow when the share of a cluster's available endpoints falls below this (0..1), its
     *     traffic moves to the backend's other clusters
     * @param proxyProtocol 1 or 2: each connection to an endpoint starts with a PROXY protocol header of that
     *     version naming the client (such connections serve one client connection and are not pooled); 0: none
     * @param tls TLS to the endpoints, verified with the given CA; empty: plain HTTP
     */
    public record Backend(
            String name,
            List<Cluster> clusters,
            double failoverBelow,
            Optional<HealthCheck> healthCheck,
            OutlierDetection outlierDetection,
            int proxyProtocol,
            Optional<UpstreamTls> tls) {
        public Backend {
            clusters = List.copyOf(clusters);
            if (proxyProtocol < 0 || proxyProtocol > 2) {
                throw new IllegalArgumentException("proxyProtocol is 0 (off), 1 or 2");
            }
            if (proxyProtocol > 0 && tls.isPresent()) {
                throw new IllegalArgumentException("a backend takes a PROXY protocol header or TLS, not both (yet)");
            }
        }

        /** A backend reached over plain HTTP. */
        public Backend(
                String name,
                List<Cluster> clusters,
                double failoverBelow,
                Optional<HealthCheck> healthCheck,
                OutlierDetection outlierDetection,
                int proxyProtocol) {
            this(name, clusters, failoverBelow, healthCheck, outlierDetection, proxyProtocol, Optional.empty());
        }

        /** A backend that is sent no PROXY protocol header. */
        public Backend(
                String name,
                List<Cluster> clusters,
                double failoverBelow,
                Optional<HealthCheck> healthCheck,
                OutlierDetection outlierDetection) {
            this(name, clusters, failoverBelow, healthCheck, outlierDetection, 0);
        }
    }

    /** Moves a route from its backend to {@code to}, by stage. */
    public record Migration(String to, Stage stage) {}

    /**
     * How a {@code percent} stage keeps a client on one side of the migration: by the value of a request header
     * (a user id), or by the client's address, falling back to the router's bucket cookie when the request has
     * neither; by the cookie alone by default. A value always maps to the same bucket, on every router.
     *
     * @param header the header whose value picks the bucket, e.g. {@code X-User-Id}
     * @param clientAddress whether the client's address picks the bucket (when no header is named)
     */
    public record Stickiness(Optional<String> header, boolean clientAddress) {
        /** The bucket cookie only. */
        public static final Stickiness COOKIE = new Stickiness(Optional.empty(), false);

        public static Stickiness byHeader(String header) {
            return new Stickiness(Optional.of(header), false);
        }

        public static Stickiness byClientAddress() {
            return new Stickiness(Optional.empty(), true);
        }

        /** {@code header X-User-Id, then the cookie}, {@code client address, then the cookie}, or {@code cookie}. */
        public String describe() {
            if (header.isPresent()) {
                return "header " + header.get() + ", then the cookie";
            }
            return clientAddress ? "client address, then the cookie" : "cookie";
        }
    }

    /**
     * Requests for {@code host} (empty: any host; {@code *.example.com}: any subdomain) whose path starts with
     * {@code pathPrefix} (at a segment boundary) go to {@code backend}.
     *
     * @param stickiness how a {@code percent} stage keeps each client on one side
     */
    public record Route(
            String name,
            Optional<String> host,
            String pathPrefix,
            String backend,
            Duration timeout,
            Duration connectTimeout,
            Optional<Migration> migration,
            Stickiness stickiness) {

        /** A route whose percent stages are sticky by the bucket cookie. */
        public Route(
                String name,
                Optional<String> host,
                String pathPrefix,
                String backend,
                Duration timeout,
                Duration connectTimeout,
                Optional<Migration> migration) {
            this(name, host, pathPrefix, backend, timeout, connectTimeout, migration, Stickiness.COOKIE);
        }

        Route withStage(Stage stage) {
            return new Route(
                    name,
                    host,
                    pathPrefix,
                    backend,
                    timeout,
                    connectTimeout,
                    migration.map(m -> new Migration(m.to(), stage)),
                    stickiness);
        }
    }
}
