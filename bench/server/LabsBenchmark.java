import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.server.ServerConfig;
import dev.slipway.server.SlipwayServer;
import dev.slipway.store.DatabaseCredentials;
import dev.slipway.store.LabOpening;
import dev.slipway.store.Store;
import dev.slipway.store.StoreConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * 10,000 live review labs in the store: the time of GET /api/labs (all of them, over HTTP on loopback) and of one
 * reaper sweep that finds nothing expired, on H2 and on PostgreSQL. Prints one Markdown table row per database.
 */
public final class LabsBenchmark {

    static final int LABS = 10_000;
    static final int WARMUP = 5;
    static final int RUNS = 21;

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        String pgUrl = args.length > 1 ? args[1] : "jdbc:postgresql://127.0.0.1:5432/test";
        System.out.println("| database | labs in store | request | median | p95 | response |");
        System.out.println("|---|---|---|---|---|---|");
        run("H2 (embedded file)", StoreConfig.h2File(work.resolve("h2").resolve("store")), work.resolve("h2"));
        DatabaseCredentials env = DatabaseCredentials.fromEnvironment(System.getenv());
        DatabaseCredentials credentials = env.user().isPresent() ? env : DatabaseCredentials.fromEnvironment(Map.of("PGUSER", "postgres"));
        String schema = "slipway_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        StoreConfig pg = StoreConfig.postgres(pgUrl, credentials).withSchema(schema);
        try {
            run("PostgreSQL 127.0.0.1", pg, work.resolve("pg"));
        } finally {
            try (Connection c = DriverManager.getConnection(pgUrl, credentials.user().orElse(null), credentials.password().orElse(null));
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    static void run(String name, StoreConfig storeConfig, Path state) throws Exception {
        Files.createDirectories(state);
        try (Store store = Store.open(storeConfig, Clock.systemUTC())) {
            for (int i = 0; i < LABS; i++) {
                String slug = "pr-" + i;
                store.labs().open(new LabOpening("shop", "pr/" + i, slug, "shop-lab-" + slug, "%040x".formatted(i), "bench", Duration.ofHours(24)));
            }
        }
        Path clusters = state.resolve("clusters.yaml");
        Files.writeString(clusters, "groups: {}\n");
        ServerConfig config = ServerConfig.loopback(state, clusters).withStore(storeConfig).withReaperInterval(Duration.ofHours(1));
        try (SlipwayServer server = SlipwayServer.start(config, Clock.systemUTC(), KubeClusterTargets.fromKubeconfig(Optional.empty()),
                (app, names) -> Map.of())) {
            String token = Files.readString(state.resolve("admin-token")).strip();
            HttpClient http = HttpClient.newHttpClient();
            for (String query : List.of("", "?limit=10000")) {
                HttpRequest list = HttpRequest.newBuilder(URI.create(server.url() + "/api/labs" + query))
                        .header("Authorization", "Bearer " + token).build();
                List<Double> listMillis = new ArrayList<>();
                long bytes = 0;
                for (int i = 0; i < WARMUP + RUNS; i++) {
                    long start = System.nanoTime();
                    HttpResponse<byte[]> response = http.send(list, HttpResponse.BodyHandlers.ofByteArray());
                    double ms = (System.nanoTime() - start) / 1e6;
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("GET /api/labs answered " + response.statusCode());
                    }
                    bytes = response.body().length;
                    if (i >= WARMUP) {
                        listMillis.add(ms);
                    }
                }
                System.out.printf("| %s | %,d | GET /api/labs%s | %.1f ms | %.1f ms | %,d bytes |%n", name, LABS,
                        query.isEmpty() ? " (first page, 100)" : query + " (all)", median(listMillis), p95(listMillis), bytes);
            }
            List<Double> sweepMillis = new ArrayList<>();
            for (int i = 0; i < WARMUP + RUNS; i++) {
                long start = System.nanoTime();
                SlipwayServer.SweepResult sweep = server.sweepLabsNow();
                double ms = (System.nanoTime() - start) / 1e6;
                if (sweep.deleted() + sweep.failed() != 0) {
                    throw new IllegalStateException("a lab expired during the benchmark");
                }
                if (i >= WARMUP) {
                    sweepMillis.add(ms);
                }
            }
            System.out.printf("| %s | %,d | reaper sweep, nothing expired | %.2f ms | %.2f ms | |%n", name, LABS,
                    median(sweepMillis), p95(sweepMillis));
        }
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
