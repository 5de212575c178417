import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.server.ServerConfig;
import dev.slipway.server.SlipwayServer;
import dev.slipway.store.AppRegistration;
import dev.slipway.store.CiState;
import dev.slipway.store.ClusterState;
import dev.slipway.store.DatabaseCredentials;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.DeployRequest;
import dev.slipway.store.DeployState;
import dev.slipway.store.EnvironmentRecord;
import dev.slipway.store.LabOpening;
import dev.slipway.store.RequestSource;
import dev.slipway.store.Store;
import dev.slipway.store.StoreConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web console's pages with 10,000 live labs, 1,000 finished deploys and some 11,000 audit entries in the
 * store: a real server on loopback, logged in with a session cookie, each page requested over HTTP many times
 * (round robin over the pages, after a warm-up), on H2 and on PostgreSQL. Prints one Markdown table row per page
 * and database: median and p95.
 */
public final class ConsoleBenchmark {

    static final int LABS = 10_000;
    static final int DEPLOYS = 1_000;
    static final int SHOP_PRODUCTION_DEPLOYS = 400;
    static final int LOG_LINES = 12;
    static final List<String> APPS =
            List.of("shop", "blog", "search", "billing", "auth", "media", "chat", "maps", "mail", "docs");
    static final List<String> ENVIRONMENTS = List.of("production", "staging", "qa");
    static final List<String> CLUSTERS = List.of("east-1", "east-2", "west-1");
    static final int WARMUP = Integer.getInteger("warmup", 30);
    static final int RUNS = Integer.getInteger("runs", 200);
    static final double TARGET_MS = 100;

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        String pgUrl = args.length > 1 ? args[1] : "jdbc:postgresql://127.0.0.1:5432/test";
        System.out.printf("%,d labs, %,d deploys (%d of shop/production, %d log lines each), %d apps x %d environments;"
                        + " %d warm-up rounds, then %d requests per page, round robin%n%n",
                LABS, DEPLOYS, SHOP_PRODUCTION_DEPLOYS, LOG_LINES, APPS.size(), ENVIRONMENTS.size(), WARMUP, RUNS);
        System.out.println("| database | page | median | p95 | p95 < 100 ms | response |");
        System.out.println("|---|---|---|---|---|---|");
        boolean pgOnly = Boolean.getBoolean("pgOnly");
        if (!pgOnly) {
            run("H2 (embedded file)", StoreConfig.h2File(work.resolve("h2").resolve("store")), work.resolve("h2"));
        }
        if (Boolean.getBoolean("h2Only")) {
            return;
        }
        DatabaseCredentials env = DatabaseCredentials.fromEnvironment(System.getenv());
        DatabaseCredentials credentials =
                env.user().isPresent() ? env : DatabaseCredentials.fromEnvironment(Map.of("PGUSER", "postgres"));
        String schema = "slipway_bench_console_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        StoreConfig pg = StoreConfig.postgres(pgUrl, credentials).withSchema(schema);
        try {
            run("PostgreSQL 127.0.0.1", pg, work.resolve("pg"));
        } finally {
            try (Connection c = DriverManager.getConnection(
                            pgUrl, credentials.user().orElse(null), credentials.password().orElse(null));
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /** What the pages are measured on; returns the ids of shop/production's deploys, oldest first. */
    static List<Long> fill(StoreConfig storeConfig) {
        long started = System.nanoTime();
        List<Long> shopProduction = new ArrayList<>();
        try (Store store = Store.open(storeConfig, Clock.systemUTC())) {
            for (String app : APPS) {
                store.apps().register(new AppRegistration(app, "/srv/apps/" + app, Optional.empty(), Duration.ofHours(24),
                        ENVIRONMENTS.stream().map(e -> new EnvironmentRecord(e, "production", app + "-" + e)).toList()),
                        "alice");
            }
            List<String[]> others = new ArrayList<>();
            for (String app : APPS) {
                for (String e : ENVIRONMENTS) {
                    if (!(app.equals("shop") && e.equals("production"))) {
                        others.add(new String[] {app, e});
                    }
                }
            }
            for (int i = 0; i < DEPLOYS; i++) {
                // 2 of every 5 deploys go to shop/production (400 of 1,000), the others round robin.
                String[] target = i % 5 < 2 ? new String[] {"shop", "production"} : others.get(i % others.size());
                String by = i % 3 == 0 ? "alice" : i % 3 == 1 ? "bob" : "ci";
                DeployRecord d = store.deploys().enqueue(DeployRequest.deploy(
                        target[0], target[1], Optional.of("%040x".formatted(i * 7919L)), by, RequestSource.API));
                store.auditLog().record(by, "deploy.enqueue", target[0] + "/" + target[1], RequestSource.API, "deploy " + d.id());
                store.deploys().claimNext("bench").orElseThrow();
                store.deploys().planClusters(d.id(), CLUSTERS);
                boolean fails = i % 10 == 9;
                for (int c = 0; c < CLUSTERS.size(); c++) {
                    boolean failsHere = fails && c == CLUSTERS.size() - 1;
                    store.deploys().updateCluster(d.id(), CLUSTERS.get(c), failsHere ? ClusterState.FAILED : ClusterState.SUCCEEDED,
                            failsHere ? Optional.empty() : Optional.of(i + 1), failsHere ? Optional.of("readiness timed out") : Optional.empty());
                }
                for (int l = 0; l < LOG_LINES; l++) {
                    store.deploys().appendLog(d.id(), CLUSTERS.get(l % CLUSTERS.size()) + ": step " + l + " of the deploy, applied 53 objects");
                }
                store.deploys().finish(d.id(), fails ? DeployState.FAILED : DeployState.SUCCEEDED,
                        fails ? Optional.of("west-1 failed") : Optional.empty());
                if (target[0].equals("shop") && target[1].equals("production")) {
                    shopProduction.add(d.id());
                }
            }
            for (int i = 0; i < LABS; i++) {
                String app = APPS.get(i % APPS.size());
                String slug = "pr-" + i;
                String ref = "%040x".formatted(i);
                store.labs().open(new LabOpening(app, "pr/" + i, slug, app + "-lab-" + slug, ref, "ci", Duration.ofHours(24)));
                store.auditLog().record("ci", "lab.up", app + "/lab/" + slug, RequestSource.API, "ref " + ref);
                if (i % 2 == 0) {
                    store.ciStatuses().report("acme/" + app, ref, "ci/build", CiState.SUCCESS, Optional.empty(), Optional.empty(), "ci");
                }
            }
        }
        System.err.printf("filled the store in %.1f s%n", (System.nanoTime() - started) / 1e9);
        return shopProduction;
    }

    static void run(String name, StoreConfig storeConfig, Path state) throws Exception {
        Files.createDirectories(state);
        List<Long> shopProduction = fill(storeConfig);
        long deployId = shopProduction.get(shopProduction.size() - 1);
        long olderThan = shopProduction.get(shopProduction.size() - 50); // the second page of its history
        Path clusters = state.resolve("clusters.yaml");
        Files.writeString(clusters, "groups:\n  production:\n    clusters:\n"
                + "      - {name: east-1, context: east-1, site: east}\n"
                + "      - {name: east-2, context: east-2, site: east}\n"
                + "      - {name: west-1, context: west-1, site: west}\n");
        ServerConfig config = ServerConfig.loopback(state, clusters).withStore(storeConfig).withReaperInterval(Duration.ofHours(1));
        try (SlipwayServer server = SlipwayServer.start(config, Clock.systemUTC(), KubeClusterTargets.fromKubeconfig(Optional.empty()),
                (app, names) -> Map.of())) {
            String token = Files.readString(state.resolve("admin-token")).strip();
            HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
            String cookie = login(http, server.url(), token);
            Map<String, String> pages = new LinkedHashMap<>(); // label -> path; each must answer 200 with its marker
            pages.put("overview `/`", "/");
            pages.put("labs, first page", "/labs");
            pages.put("labs, a middle page", "/labs?offset=5000");
            pages.put("labs, the last page", "/labs?offset=9900");
            pages.put("labs of one app, a middle page", "/labs?app=search&offset=500");
            pages.put("audit, newest", "/audit");
            pages.put("audit, filtered (who, app, action)", "/audit?actor=alice&app=shop&action=deploy.enqueue&since=");
            pages.put("environment (picture, 50 deploys)", "/apps/shop/environments/production");
            pages.put("environment, older deploys", "/apps/shop/environments/production?before=" + olderThan);
            pages.put("a deploy with its log", "/deploys/" + deployId);
            Map<String, List<Double>> millis = new LinkedHashMap<>();
            Map<String, Integer> bytes = new LinkedHashMap<>();
            pages.keySet().forEach(k -> millis.put(k, new ArrayList<>()));
            for (int round = 0; round < WARMUP + RUNS; round++) {
                for (Map.Entry<String, String> page : pages.entrySet()) {
                    HttpRequest get = HttpRequest.newBuilder(URI.create(server.url() + page.getValue()))
                            .header("Cookie", "slipway_session=" + cookie).build();
                    long start = System.nanoTime();
                    HttpResponse<String> response = http.send(get, HttpResponse.BodyHandlers.ofString());
                    double ms = (System.nanoTime() - start) / 1e6;
                    if (response.statusCode() != 200 || !response.body().contains("</html>")) {
                        throw new IllegalStateException(page.getValue() + " answered " + response.statusCode() + ": "
                                + response.body().substring(0, Math.min(500, response.body().length())));
                    }
                    if (round == 0 && !"false".equals(System.getProperty("check"))) {
                        check(page.getKey(), response.body());
                    }
                    bytes.put(page.getKey(), response.body().getBytes(StandardCharsets.UTF_8).length);
                    if (round >= WARMUP) {
                        millis.get(page.getKey()).add(ms);
                    }
                }
            }
            for (String page : pages.keySet()) {
                double p95 = p95(millis.get(page));
                System.out.printf("| %s | %s | %.1f ms | %.1f ms | %s | %,d bytes |%n", name, page, median(millis.get(page)), p95,
                        p95 < TARGET_MS ? "yes" : "**no**", bytes.get(page));
            }
        }
    }

    /** The page shows what it is measured for (a page of 100 labs of 10,000, 50 deploys, ...), not an empty one. */
    static void check(String page, String body) {
        int rows = body.split("<tr", -1).length - 1;
        boolean ok = switch (page) {
            case "overview `/`" -> !body.contains("never deployed") && rows >= APPS.size() * ENVIRONMENTS.size();
            case "labs, first page", "labs, a middle page", "labs, the last page" -> body.contains("of 10,000 labs") && rows == 101;
            case "labs of one app, a middle page" -> body.contains("Showing 501–600 of 1,000 labs of search");
            case "audit, newest" -> rows == 101;
            case "audit, filtered (who, app, action)" -> rows > 10 && !body.contains("bob");
            case "environment (picture, 50 deploys)", "environment, older deploys" -> body.contains("Older deploys")
                    && body.contains("data-cluster=\"west-1\"");
            default -> body.contains("step 11 of the deploy");
        };
        if (!ok) {
            throw new IllegalStateException("the page '" + page + "' does not show what it is measured for (" + rows + " rows)");
        }
    }

    static String login(HttpClient http, String url, String token) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&next=/"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("slipway_session=([^;]+)").matcher(r.headers().firstValue("Set-Cookie").orElse(""));
        if (r.statusCode() != 303 || !m.find()) {
            throw new IllegalStateException("login answered " + r.statusCode() + ": " + r.body());
        }
        return m.group(1);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    static double p95(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.ceil(sorted.size() * 0.95) - 1);
    }
}
