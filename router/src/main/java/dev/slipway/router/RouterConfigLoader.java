package dev.slipway.router;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.SourceLocation;
import dev.slipway.router.RouterConfig.Address;
import dev.slipway.router.RouterConfig.Backend;
import dev.slipway.router.RouterConfig.Cluster;
import dev.slipway.router.RouterConfig.HealthCheck;
import dev.slipway.router.RouterConfig.Limits;
import dev.slipway.router.RouterConfig.Migration;
import dev.slipway.router.RouterConfig.OutlierDetection;
import dev.slipway.router.RouterConfig.RetryPolicy;
import dev.slipway.router.RouterConfig.Route;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates the router's YAML config (format in docs/router.md). Collects every problem with its
 * {@code file:line} and field so a bad reload can be fixed in one go while the last good config keeps serving.
 */
public final class RouterConfigLoader {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    static final Duration MAX_TIMEOUT = Duration.ofHours(1);
    // YAML 1.1 reads plain off/on/yes/no as booleans; no router field is a boolean, and `stage: off` is the
    // documented way to write a stage, so only true/false are booleans here.
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
            .build());

    private final Path file;
    private final Map<String, Integer> lines = new HashMap<>();
    private final List<Problem> problems = new ArrayList<>();

    private RouterConfigLoader(Path file) {
        this.file = file;
    }

    /** Loads {@code file}; throws {@link InvalidInputException} listing every problem found. */
    public static RouterConfig load(Path file) {
        return new RouterConfigLoader(file).read();
    }

    /**
     * Loads the {@code accessLog:} and {@code tracing:} of {@code file} (for a router fed by clusters, whose
     * routes are not written in a file); other fields are refused.
     */
    public static RouterConfig.Telemetry loadTelemetry(Path file) {
        RouterConfigLoader loader = new RouterConfigLoader(file);
        ObjectNode root = loader.root();
        loader.allowOnly(root, "", "accessLog", "tracing");
        RouterConfig.Telemetry telemetry = loader.telemetry(root);
        if (!loader.problems.isEmpty()) {
            throw new InvalidInputException(loader.problems);
        }
        return telemetry;
    }

    private RouterConfig read() {
        RouterConfig config = parse(root());
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return config;
    }

    private ObjectNode root() {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    file.toString(),
                    "cannot read the router config ("
                            + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.toString()) + ")",
                    "check the path given (--config, or --telemetry for a router fed by clusters)"));
        }
        JsonNode root;
        try {
            root = YAML.readTree(text);
            indexLines(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new InvalidInputException(Problem.at(
                    new SourceLocation(file, line),
                    "not valid YAML: " + oneLine(e.getOriginalMessage()),
                    "fix the syntax"));
        } catch (IOException e) {
            throw new InvalidInputException(
                    new Problem(file.toString(), "cannot parse the router config: " + e.getMessage(), ""));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidInputException(Problem.at(
                    SourceLocation.of(file),
                    "the router config must be a YAML mapping",
                    "start from the example in docs/router.md"));
        }
        return (ObjectNode) root;
    }

    /** Records the line of every field and list item, keyed by JSON pointer, for error messages. */
    private void indexLines(String text) throws IOException {
        try (JsonParser p = YAML.getFactory().createParser(text)) {
            JsonToken token;
            while ((token = p.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME || token.isScalarValue() || token.isStructStart()) {
                    lines.putIfAbsent(
                            p.getParsingContext().pathAsPointer().toString(),
                            p.currentTokenLocation().getLineNr());
                }
            }
        }
    }

    private String where(String pointer) {
        String probe = pointer;
        while (!probe.isEmpty()) {
            Integer line = lines.get(probe);
            if (line != null) {
                return file + ":" + line + " (" + fieldName(pointer) + ")";
            }
            probe = probe.substring(0, probe.lastIndexOf('/'));
        }
        return file + " (" + fieldName(pointer) + ")";
    }

    /** The parser's message without its multi-line source excerpt, which the file:line already points at. */
    private static String oneLine(String message) {
        return message.lines()
                .map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("in 'reader'") && !l.matches("\\^+"))
                .reduce((a, b) -> a + ", " + b)
                .orElse(message);
    }

    private static String fieldName(String pointer) {
        return pointer.isEmpty() ? "top level" : pointer.substring(1).replace('/', '.');
    }

    private void problem(String pointer, String what, String fix) {
        problems.add(new Problem(where(pointer), what, fix));
    }

    private RouterConfig parse(ObjectNode root) {
        allowOnly(
                root,
                "",
                "listen",
                "admin",
                "adminTokenFile",
                "defaults",
                "limits",
                "retries",
                "accessLog",
                "tracing",
                "site",
                "proxyProtocol",
                "tls",
                "backends",
                "routes");
        Address listen = address(root.get("listen"), "/listen", new Address("0.0.0.0", 8080));
        Address admin = address(root.get("admin"), "/admin", new Address("127.0.0.1", 9901));
        Optional<AdminToken> adminToken =
                text(root.get("adminTokenFile"), "/adminTokenFile").flatMap(t -> adminToken(t, "/adminTokenFile"));

        JsonNode defaults = object(root, "defaults", "");
        allowOnly(defaults, "/defaults", "timeout", "connectTimeout");
        Duration defaultTimeout = timeout(defaults.get("timeout"), "/defaults/timeout", RouterConfig.DEFAULT_TIMEOUT);
        Duration defaultConnect = timeout(
                defaults.get("connectTimeout"), "/defaults/connectTimeout", RouterConfig.DEFAULT_CONNECT_TIMEOUT);

        JsonNode l = object(root, "limits", "");
        allowOnly(
                l,
                "/limits",
                "maxHeaderBytes",
                "maxInitialLineBytes",
                "headerReadTimeout",
                "idleTimeout",
                "maxConnections",
                "maxInFlight");
        Limits d = Limits.defaults();
        Limits limits = new Limits(
                integer(l.get("maxHeaderBytes"), "/limits/maxHeaderBytes", d.maxHeaderBytes(), 1024, 1 << 20),
                integer(
                        l.get("maxInitialLineBytes"),
                        "/limits/maxInitialLineBytes",
                        d.maxInitialLineBytes(),
                        256,
                        1 << 20),
                timeout(l.get("headerReadTimeout"), "/limits/headerReadTimeout", d.headerReadTimeout()),
                timeout(l.get("idleTimeout"), "/limits/idleTimeout", d.idleTimeout()),
                integer(l.get("maxConnections"), "/limits/maxConnections", d.maxConnections(), 1, 1_000_000),
                integer(l.get("maxInFlight"), "/limits/maxInFlight", d.maxInFlight(), 1, 1_000_000));

        JsonNode r = object(root, "retries", "");
        allowOnly(r, "/retries", "maxRetries", "budgetPercent", "minPerSecond");
        RetryPolicy dr = RetryPolicy.defaults();
        RetryPolicy retries = new RetryPolicy(
                integer(r.get("maxRetries"), "/retries/maxRetries", dr.maxRetries(), 0, 10),
                integer(r.get("budgetPercent"), "/retries/budgetPercent", dr.budgetPercent(), 0, 100),
                integer(r.get("minPerSecond"), "/retries/minPerSecond", dr.minRetriesPerSecond(), 0, 1_000_000));

        Map<String, Backend> backends = new LinkedHashMap<>();
        JsonNode b = root.get("backends");
        if (b == null || !b.isObject() || b.isEmpty()) {
            problem("/backends", "there must be at least one backend", "add a 'backends:' mapping of name to backend");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                backend(e.getKey(), e.getValue(), "/backends/" + e.getKey()).ifPresent(x -> backends.put(x.name(), x));
            }
        }

        List<Route> routes = new ArrayList<>();
        JsonNode rs = root.get("routes");
        if (rs == null || !rs.isArray() || rs.isEmpty()) {
            problem("/routes", "there must be at least one route", "add a 'routes:' list");
        } else {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < rs.size(); i++) {
                String at = "/routes/" + i;
                Optional<Route> route =
                        route(rs.get(i), at, defaultTimeout, defaultConnect, b == null ? Set.of() : fieldNames(b));
                route.ifPresent(x -> {
                    if (!names.add(x.name())) {
                        problem(
                                at + "/name",
                                "route name '" + x.name() + "' is used twice",
                                "give each route its own name");
                    }
                    routes.add(x);
                });
            }
        }
        RouterConfig.Telemetry telemetry = telemetry(root);
        Optional<String> site = text(root.get("site"), "/site");
        site.ifPresent(own -> {
            Set<String> sites = new TreeSet<>();
            backends.values().forEach(x -> x.clusters().forEach(c -> c.site().ifPresent(sites::add)));
            if (!sites.contains(own)) {
                problem(
                        "/site",
                        "no cluster of any backend is at site '" + own + "'",
                        sites.isEmpty()
                                ? "give the clusters a site: (e.g. {name: east-1, site: east, endpoints: [...]})"
                                : "name one of the clusters' sites: " + String.join(", ", sites));
            }
        });
        boolean proxyProtocol = bool(root.get("proxyProtocol"), "/proxyProtocol");
        Optional<RouterConfig.Tls> tls = tls(root.get("tls"));
        return new RouterConfig(
                listen,
                admin,
                adminToken,
                limits,
                retries,
                telemetry,
                site,
                proxyProtocol,
                tls,
                backends,
                routes,
                Optional.of(file));
    }

    /**
     * {@code tls: {certificates: [{hosts: [...], chain: FILE, key: FILE}], ciphers: [...]}}; files relative to
     * the config file's directory. The files themselves are read when the router starts or reloads, so a bad
     * certificate there keeps the last good one rather than the whole config from applying.
     */
    private Optional<RouterConfig.Tls> tls(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            problem("/tls", "'tls' must be a mapping", "see docs/router.md, TLS");
            return Optional.empty();
        }
        allowOnly(node, "/tls", "certificates", "ciphers");
        List<RouterConfig.Certificate> certificates = new ArrayList<>();
        JsonNode cs = node.get("certificates");
        String example = "e.g. certificates: [{hosts: [shop.example.com], chain: shop.pem, key: shop.key}]";
        if (cs == null || !cs.isArray() || cs.isEmpty()) {
            problem("/tls/certificates", "TLS needs at least one certificate", example);
            return Optional.empty();
        }
        Map<String, String> hostsSeen = new HashMap<>();
        for (int i = 0; i < cs.size(); i++) {
            String at = "/tls/certificates/" + i;
            JsonNode c = cs.get(i);
            if (!c.isObject()) {
                problem(at, "a certificate must be a mapping of hosts, chain and key", example);
                continue;
            }
            allowOnly(c, at, "hosts", "chain", "key");
            List<String> hosts = new ArrayList<>();
            JsonNode hs = c.get("hosts");
            if (hs != null && hs.isValueNode() && !hs.isNull()) {
                hs = YAML.createArrayNode().add(hs);
            }
            if (hs == null || !hs.isArray() || hs.isEmpty()) {
                problem(at + "/hosts", "a certificate needs the host names it is served for", example);
            } else {
                for (int j = 0; j < hs.size(); j++) {
                    String hat = at + "/hosts/" + j;
                    String host = text(hs.get(j), hat).orElse("").toLowerCase(Locale.ROOT);
                    if (!host.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                        problem(hat, "'" + host + "' is not a host name", "write shop.example.com or *.example.com");
                        continue;
                    }
                    String before = hostsSeen.putIfAbsent(host, at);
                    if (before != null) {
                        problem(hat, "host '" + host + "' is listed by two certificates", "list each host once");
                    }
                    hosts.add(host);
                }
            }
            Optional<String> chain = text(c.get("chain"), at + "/chain");
            Optional<String> key = text(c.get("key"), at + "/key");
            if (chain.isEmpty()) {
                problem(at + "/chain", "a certificate needs its chain file (PEM, leaf first)", example);
            }
            if (key.isEmpty()) {
                problem(at + "/key", "a certificate needs its private key file (PEM)", example);
            }
            if (chain.isPresent() && key.isPresent()) {
                certificates.add(
                        new RouterConfig.Certificate(hosts, dir().resolve(chain.get()), dir().resolve(key.get())));
            }
        }
        List<String> ciphers = RouterConfig.Tls.MODERN_CIPHERS;
        JsonNode cn = node.get("ciphers");
        if (cn != null && !cn.isNull()) {
            if (!cn.isArray() || cn.isEmpty()) {
                problem(
                        "/tls/ciphers",
                        "ciphers must be a list of cipher suite names",
                        "or leave it out for the modern" + " default: "
                                + String.join(", ", RouterConfig.Tls.MODERN_CIPHERS));
            } else {
                ciphers = new ArrayList<>();
                for (int i = 0; i < cn.size(); i++) {
                    String suite = text(cn.get(i), "/tls/ciphers/" + i).orElse("");
                    if (!ListenerTls.SUPPORTED_CIPHERS.contains(suite)) {
                        problem(
                                "/tls/ciphers/" + i,
                                "'" + suite + "' is not a cipher suite this Java runtime offers",
                                "write IANA names such as TLS_AES_128_GCM_SHA256, or leave ciphers out");
                    } else {
                        ciphers.add(suite);
                    }
                }
            }
        }
        if (certificates.isEmpty() || ciphers.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RouterConfig.Tls(certificates, ciphers));
    }

    /** A backend's {@code tls: {ca: FILE, serverName: NAME}}; the CA file must hold at least one certificate. */
    private Optional<RouterConfig.UpstreamTls> upstreamTls(JsonNode node, String at) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            problem(at, "'tls' must be a mapping", "e.g. tls: {ca: backend-ca.pem, serverName: api.internal}");
            return Optional.empty();
        }
        allowOnly(node, at, "ca", "serverName");
        Optional<String> ca = text(node.get("ca"), at + "/ca");
        if (ca.isEmpty()) {
            problem(
                    at + "/ca",
                    "TLS to a backend needs the CA that signed its certificates",
                    "e.g. tls: {ca: backend-ca.pem}");
            return Optional.empty();
        }
        Path caFile = dir().resolve(ca.get());
        try {
            UpstreamTlsContexts.readCa(caFile);
        } catch (InvalidInputException e) {
            e.problems().forEach(p -> problem(at + "/ca", p.what(), p.fix()));
            return Optional.empty();
        }
        Optional<String> serverName = text(node.get("serverName"), at + "/serverName");
        return Optional.of(new RouterConfig.UpstreamTls(caFile, serverName));
    }

    /** {@code accessLog:} and {@code tracing:}; relative paths are the config file's directory's. */
    private RouterConfig.Telemetry telemetry(JsonNode root) {
        JsonNode a = object(root, "accessLog", "");
        allowOnly(a, "/accessLog", "path");
        Optional<String> accessLog = text(a.get("path"), "/accessLog/path")
                .map(p -> p.equals("-") ? p : dir().resolve(p).toString());
        if (a.size() > 0 && accessLog.isEmpty() && a.get("path") == null) {
            problem("/accessLog/path", "an access log needs a path", "write a file, or - for standard output");
        }
        JsonNode t = object(root, "tracing", "");
        allowOnly(t, "/tracing", "sampleRatio", "otlp");
        double ratio = 1.0;
        JsonNode r = t.get("sampleRatio");
        if (r != null && !r.isNull()) {
            if (!r.isNumber() || r.asDouble() < 0 || r.asDouble() > 1) {
                problem(
                        "/tracing/sampleRatio",
                        "expected a number from 0 to 1, got '" + r.asText() + "'",
                        "0.1 marks one in ten new traces sampled; a client's own sampled flag is always kept");
            } else {
                ratio = r.asDouble();
            }
        }
        return new RouterConfig.Telemetry(accessLog, ratio, otlp(t));
    }

    private Optional<RouterConfig.Otlp> otlp(JsonNode tracing) {
        JsonNode o = tracing.get("otlp");
        if (o == null || o.isNull()) {
            return Optional.empty();
        }
        if (!o.isObject()) {
            problem("/tracing/otlp", "'otlp' must be a mapping", "see docs/router.md, Tracing");
            return Optional.empty();
        }
        allowOnly(o, "/tracing/otlp", "endpoint", "serviceName", "headersFile", "timeout", "insecure");
        Optional<String> endpoint = text(o.get("endpoint"), "/tracing/otlp/endpoint");
        if (endpoint.isEmpty()) {
            problem(
                    "/tracing/otlp/endpoint",
                    "span export needs an endpoint",
                    "write the collector's OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces");
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(endpoint.get());
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null
                || uri.getHost() == null
                || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            problem(
                    "/tracing/otlp/endpoint",
                    "'" + endpoint.get() + "' is not an http(s) URL",
                    "write the collector's OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces");
            return Optional.empty();
        }
        JsonNode insecure = o.get("insecure");
        if (insecure != null && !insecure.isBoolean()) {
            problem("/tracing/otlp/insecure", "expected true or false, got '" + insecure.asText() + "'", "");
        }
        if ("http".equals(uri.getScheme()) && !loopback(uri.getHost()) && (insecure == null || !insecure.asBoolean())) {
            problem(
                    "/tracing/otlp/endpoint",
                    "spans would go unencrypted to " + uri.getHost() + ", which is not this machine",
                    "use https://, a collector on 127.0.0.1, or set insecure: true to send them in the clear");
        }
        Map<String, String> headers = text(o.get("headersFile"), "/tracing/otlp/headersFile")
                .map(f -> headers(dir().resolve(f), "/tracing/otlp/headersFile"))
                .orElse(Map.of());
        String service = text(o.get("serviceName"), "/tracing/otlp/serviceName").orElse("slipway-router");
        Duration timeout = timeout(o.get("timeout"), "/tracing/otlp/timeout", Duration.ofSeconds(10));
        return Optional.of(new RouterConfig.Otlp(uri, service, headers, timeout));
    }

    /** {@code Name: value} lines (an API key for the collector, say); the values are never shown. */
    private Map<String, String> headers(Path f, String at) {
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(f);
        } catch (IOException e) {
            problem(at, "cannot read " + f + " (" + e.getClass().getSimpleName() + ")", "check the path");
            return headers;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String name = colon <= 0 ? "" : line.substring(0, colon).strip();
            if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
                // The line is not echoed: it may hold a secret.
                problem(at, f + " line " + (i + 1) + " is not 'Name: value'", "write one header per line");
                continue;
            }
            headers.put(name, line.substring(colon + 1).strip());
        }
        return headers;
    }

    private static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
    }

    private Path dir() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    /** The admin token file, relative to the config file's directory; its problems are this field's. */
    private Optional<AdminToken> adminToken(String path, String at) {
        Path tokenFile = file.toAbsolutePath().getParent().resolve(path);
        try {
            return Optional.of(AdminToken.read(tokenFile));
        } catch (InvalidInputException e) {
            e.problems().forEach(p -> problem(at, p.what(), p.fix()));
            return Optional.empty();
        }
    }

    private Optional<Backend> backend(String name, JsonNode node, String at) {
        if (!node.isObject()) {
            problem(at, "backend '" + name + "' must be a mapping", "see docs/router.md");
            return Optional.empty();
        }
        allowOnly(node, at, "clusters", "failoverBelow", "healthCheck", "outlierDetection", "proxyProtocol", "tls");
        double failoverBelow = 0.5;
        JsonNode fb = node.get("failoverBelow");
        if (fb != null) {
            if (!fb.isNumber() || fb.asDouble() < 0 || fb.asDouble() > 1) {
                problem(at + "/failoverBelow", "failoverBelow must be a number from 0 to 1", "e.g. 0.5");
            } else {
                failoverBelow = fb.asDouble();
            }
        }
        Optional<HealthCheck> health = Optional.empty();
        JsonNode h = node.get("healthCheck");
        if (h != null) {
            String hat = at + "/healthCheck";
            allowOnly(h, hat, "path", "interval", "timeout", "fall", "rise");
            String path = text(h.get("path"), hat + "/path").orElse("/healthz");
            if (!path.startsWith("/")) {
                problem(hat + "/path", "a health check path must start with '/'", "e.g. /healthz");
            }
            health = Optional.of(new HealthCheck(
                    path,
                    timeout(h.get("interval"), hat + "/interval", Duration.ofSeconds(1)),
                    timeout(h.get("timeout"), hat + "/timeout", Duration.ofMillis(500)),
                    integer(h.get("fall"), hat + "/fall", 2, 1, 100),
                    integer(h.get("rise"), hat + "/rise", 2, 1, 100)));
        }
        JsonNode o = object(node, "outlierDetection", at);
        allowOnly(o, at + "/outlierDetection", "consecutiveFailures", "baseEjection", "maxEjection");
        OutlierDetection od = OutlierDetection.defaults();
        OutlierDetection outliers = new OutlierDetection(
                integer(
                        o.get("consecutiveFailures"),
                        at + "/outlierDetection/consecutiveFailures",
                        od.consecutiveFailures(),
                        1,
                        1000),
                timeout(o.get("baseEjection"), at + "/outlierDetection/baseEjection", od.baseEjection()),
                timeout(o.get("maxEjection"), at + "/outlierDetection/maxEjection", od.maxEjection()));

        List<Cluster> clusters = new ArrayList<>();
        JsonNode cs = node.get("clusters");
        if (cs == null || !cs.isArray() || cs.isEmpty()) {
            problem(at + "/clusters", "backend '" + name + "' needs at least one cluster", "add a 'clusters:' list");
        } else {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < cs.size(); i++) {
                String cat = at + "/clusters/" + i;
                JsonNode c = cs.get(i);
                if (!c.isObject()) {
                    problem(cat, "a cluster must be a mapping with name, weight and endpoints", "see docs/router.md");
                    continue;
                }
                allowOnly(c, cat, "name", "site", "weight", "endpoints");
                String cname = text(c.get("name"), cat + "/name").orElse("");
                if (cname.isEmpty()) {
                    problem(cat + "/name", "a cluster needs a name", "e.g. name: east");
                } else if (!names.add(cname)) {
                    problem(cat + "/name", "cluster '" + cname + "' appears twice in backend '" + name + "'", "");
                }
                int weight = integer(c.get("weight"), cat + "/weight", 1, 0, 1_000_000);
                List<Address> endpoints = new ArrayList<>();
                JsonNode es = c.get("endpoints");
                if (es == null || !es.isArray() || es.isEmpty()) {
                    problem(
                            cat + "/endpoints",
                            "cluster '" + cname + "' needs at least one endpoint",
                            "e.g. endpoints: [10.0.0.5:8080]");
                } else {
                    for (int j = 0; j < es.size(); j++) {
                        Address a = address(es.get(j), cat + "/endpoints/" + j, null);
                        if (a != null) {
                            endpoints.add(a);
                        }
                    }
                }
                Optional<String> site = text(c.get("site"), cat + "/site");
                if (site.isPresent() && site.get().isEmpty()) {
                    problem(cat + "/site", "a site must not be empty", "name the site, or leave site: out");
                }
                clusters.add(new Cluster(cname, weight, endpoints, site));
            }
        }
        int proxyProtocol = 0;
        JsonNode pp = node.get("proxyProtocol");
        if (pp != null && !pp.isNull()) {
            String v = pp.asText();
            if (v.equals("v1") || v.equals("1")) {
                proxyProtocol = 1;
            } else if (v.equals("v2") || v.equals("2")) {
                proxyProtocol = 2;
            } else if (!v.equals("off")) {
                problem(at + "/proxyProtocol", "'" + v + "' is not a PROXY protocol version", "write v1, v2 or off");
            }
        }
        Optional<RouterConfig.UpstreamTls> tls = upstreamTls(node.get("tls"), at + "/tls");
        if (tls.isPresent() && proxyProtocol > 0) {
            problem(
                    at + "/tls",
                    "backend '" + name + "' has both proxyProtocol and tls, which the router cannot combine yet",
                    "drop one of them");
            tls = Optional.empty();
        }
        return Optional.of(new Backend(name, clusters, failoverBelow, health, outliers, proxyProtocol, tls));
    }

    private Optional<Route> route(
            JsonNode node, String at, Duration defaultTimeout, Duration defaultConnect, Set<String> backends) {
        if (!node.isObject()) {
            problem(at, "a route must be a mapping", "see docs/router.md");
            return Optional.empty();
        }
        allowOnly(
                node, at, "name", "host", "pathPrefix", "backend", "timeout", "connectTimeout", "migration", "sticky");
        String name = text(node.get("name"), at + "/name").orElse("");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            problem(at + "/name", "a route needs a name of letters, digits, '.', '_' or '-'", "e.g. name: shop");
        }
        Optional<String> host = text(node.get("host"), at + "/host").map(h -> h.toLowerCase(Locale.ROOT));
        String prefix = text(node.get("pathPrefix"), at + "/pathPrefix").orElse("/");
        if (!prefix.startsWith("/")) {
            problem(at + "/pathPrefix", "pathPrefix must start with '/'", "e.g. pathPrefix: /api");
        }
        String backend = text(node.get("backend"), at + "/backend").orElse("");
        checkBackend(backend, at + "/backend", backends);
        Duration timeout = timeout(node.get("timeout"), at + "/timeout", defaultTimeout);
        Duration connect = timeout(node.get("connectTimeout"), at + "/connectTimeout", defaultConnect);
        Optional<Migration> migration = Optional.empty();
        JsonNode m = node.get("migration");
        if (m != null) {
            String mat = at + "/migration";
            allowOnly(m, mat, "to", "stage");
            String to = text(m.get("to"), mat + "/to").orElse("");
            checkBackend(to, mat + "/to", backends);
            String stageText = text(m.get("stage"), mat + "/stage").orElse("off");
            Optional<Stage> stage = Stage.parse(stageText);
            if (stage.isEmpty()) {
                problem(mat + "/stage", "'" + stageText + "' is not a migration stage", Stage.syntax());
            }
            migration = Optional.of(new Migration(to, stage.orElse(Stage.off())));
        }
        RouterConfig.Stickiness sticky = sticky(node.get("sticky"), at + "/sticky");
        return Optional.of(new Route(name, host, prefix, backend, timeout, connect, migration, sticky));
    }

    /** {@code sticky: cookie} (the default), {@code sticky: client-address} or {@code sticky: {header: NAME}}. */
    private RouterConfig.Stickiness sticky(JsonNode node, String at) {
        String fix = "write sticky: cookie, sticky: client-address or sticky: {header: X-User-Id}";
        if (node == null || node.isNull()) {
            return RouterConfig.Stickiness.COOKIE;
        }
        if (node.isObject()) {
            allowOnly(node, at, "header");
            Optional<String> header = text(node.get("header"), at + "/header");
            if (header.isEmpty() || !header.get().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                problem(at + "/header", "a sticky header needs a header name", fix);
                return RouterConfig.Stickiness.COOKIE;
            }
            return RouterConfig.Stickiness.byHeader(header.get());
        }
        String value = text(node, at).orElse("");
        switch (value) {
            case "cookie":
                return RouterConfig.Stickiness.COOKIE;
            case "client-address":
                return RouterConfig.Stickiness.byClientAddress();
            default:
                problem(at, "'" + value + "' is not a way to keep clients on one side", fix);
                return RouterConfig.Stickiness.COOKIE;
        }
    }

    private void checkBackend(String backend, String at, Set<String> backends) {
        if (backend.isEmpty()) {
            problem(at, "a backend name is required", "name one of the backends under 'backends:'");
        } else if (!backends.contains(backend)) {
            problem(at, "backend '" + backend + "' is not defined", "define it under 'backends:' or fix the name");
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private JsonNode object(JsonNode parent, String field, String at) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return YAML.createObjectNode();
        }
        if (!node.isObject()) {
            problem(at + "/" + field, "'" + field + "' must be a mapping", "see docs/router.md");
            return YAML.createObjectNode();
        }
        return node;
    }

    private void allowOnly(JsonNode node, String at, String... allowed) {
        if (!node.isObject()) {
            return;
        }
        Set<String> known = Set.of(allowed);
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                problem(at + "/" + f, "unknown field '" + f + "'", "known fields here: " + String.join(", ", allowed));
            }
        });
    }

    private boolean bool(JsonNode node, String at) {
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            problem(at, "expected true or false, got '" + node.asText() + "'", "");
            return false;
        }
        return node.asBoolean();
    }

    private Optional<String> text(JsonNode node, String at) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isValueNode()) {
            problem(at, "expected a single value", "");
            return Optional.empty();
        }
        return Optional.of(node.asText().trim());
    }

    private int integer(JsonNode node, String at, int fallback, int min, int max) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < min || node.asInt() > max) {
            problem(at, "expected a whole number from " + min + " to " + max + ", got '" + node.asText() + "'", "");
            return fallback;
        }
        return node.asInt();
    }

    /** A positive duration such as 500ms, 10s, 2m or 1h; zero or "none" would mean waiting forever. */
    private Duration timeout(JsonNode node, String at, Duration fallback) {
        Optional<String> t = text(node, at);
        if (t.isEmpty()) {
            return fallback;
        }
        Matcher m = DURATION.matcher(t.get());
        if (!m.matches()) {
            problem(
                    at,
                    "'" + t.get() + "' is not a duration",
                    "write a positive number with a unit: 250ms, 10s, 2m or 1h (there is no infinite timeout)");
            return fallback;
        }
        // More than nine digits is above one hour in any unit, and could overflow a long or a Duration.
        long n = m.group(1).length() > 9 ? Long.MAX_VALUE / 3_600_000_000L : Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.isZero() || d.compareTo(MAX_TIMEOUT) > 0) {
            problem(
                    at,
                    "a timeout must be more than 0 and at most 1h, got '" + t.get() + "'",
                    "every request needs a bound");
            return fallback;
        }
        return d;
    }

    private Address address(JsonNode node, String at, Address fallback) {
        Optional<String> t = text(node, at);
        if (t.isEmpty()) {
            if (fallback == null) {
                problem(at, "an address is required", "write host:port, e.g. 10.0.0.5:8080");
            }
            return fallback;
        }
        String s = t.get();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            problem(at, "'" + s + "' is not host:port", "write host:port, e.g. 10.0.0.5:8080");
            return fallback;
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new Address(host, port);
        } catch (NumberFormatException e) {
            problem(at, "'" + s + "' has no valid port", "ports are 0-65535 (0 picks a free port)");
            return fallback;
        }
    }
}
