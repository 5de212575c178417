package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.testkit.TestHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway up examples/predict} in its own JVM, as a user runs it: predictions through the router, a
 * killed replica and a killed cluster cost no request, and SIGTERM leaves no process behind.
 */
class UpCommandTest {
    private static final Path PREDICT =
            Path.of("..").toAbsolutePath().normalize().resolve("examples/predict");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path home;

    private Process slipway;

    @AfterEach
    void stopSlipway() {
        if (slipway != null) {
            slipway.destroyForcibly();
        }
    }

    @Test
    void predictionsFlowThroughTheRouterWhileReplicasAndAWholeClusterAreKilled() throws Exception {
        Path state = home.resolve("state");
        slipway = start(state, "up", PREDICT.toString(), "--port", "0", "--clusters", "2", "--grace", "3s");
        JsonNode running = awaitPhase(state, "ready");
        String base = running.path("url").asText().replace("predict.localhost", "127.0.0.1");
        List<Long> groups = pids(running);
        assertThat(groups).hasSize(4);

        assertThat(predict(base, "what a lovely day, I love it")).contains("\"prediction\": \"positive\"");
        assertThat(predict(base, "the service was terrible and slow")).contains("\"prediction\": \"negative\"");

        Load load = new Load(base);
        load.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 20);
            kill(replica(running, "local-1", 0).path("pid").asLong());
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            replica(read(state), "local-1", 0).path("restarts").asInt() == 1
                                    && replica(read(state), "local-1", 0)
                                            .path("phase")
                                            .asText()
                                            .equals("ready"));

            // the whole of local-1 goes: everything must be served by local-2 meanwhile
            JsonNode now = read(state);
            int before = load.ok.get();
            kill(replica(now, "local-1", 0).path("pid").asLong());
            kill(replica(now, "local-1", 1).path("pid").asLong());
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > before + 50);
            assertThat(load.clusters).containsKey("local-2");
        } finally {
            load.stop();
        }
        assertThat(load.failures).isEmpty();

        List<Long> allGroups = new ArrayList<>(groups);
        allGroups.addAll(pids(read(state)));
        kill("TERM", slipway.pid());
        assertThat(slipway.onExit().get().exitValue()).isNotEqualTo(137);
        assertThat(state.resolve("run/predict.json"))
                .as(() -> text(home.resolve("up.out")))
                .doesNotExist();
        awaitGroupsGone(allGroups);
        assertThat(Files.readString(state.resolve("logs/predict.log")))
                .contains("predicted label=positive")
                .contains("[slipway] stopped (exit 0)")
                .doesNotContain("stopped (exit 137)")
                .containsPattern("model trained, serving .* app=predict env=production service=predict replica=1"
                        + " cluster=local-2 rev=1");
    }

    @Test
    void detachedRunIsListedByPsAndStoppedByDown() throws Exception {
        Path state = home.resolve("state");
        CliRun cli = new CliRun(home, home)
                .env("SLIPWAY_STATE_DIR", state.toString())
                .env("PATH", System.getenv("PATH"));
        CliRun.Result up = cli.run("up", PREDICT.toString(), "--port", "0", "--detach", "--grace", "2s");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        assertThat(up.out()).contains("predict runs in the background").contains("ready");
        JsonNode running = read(state);
        assertThat(predict(running.path("url").asText().replace("predict.localhost", "127.0.0.1"), "I love it"))
                .contains("positive");

        CliRun.Result ps = cli.run("ps");
        assertThat(ps.out()).contains("predict  http://predict.localhost:").contains("local-1  0        1    ready");

        CliRun.Result down = cli.run("down", "predict");
        assertThat(down.out()).contains("stopped predict");
        assertThat(ProcessHandle.of(running.path("pid").asLong())).isEmpty();
        awaitGroupsGone(pids(running));
        assertThat(cli.run("ps").out()).contains("nothing runs locally");

        CliRun.Result logs = cli.run("logs", "predict", "--service", "predict", "-n", "5");
        assertThat(logs.out()).contains("service=predict");
    }

    @Test
    void theRouteTimeoutProtectsAServiceCallingASlowOne() throws Exception {
        Path state = home.resolve("state");
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path shop = PREDICT.resolveSibling("shop");
        slipway = start(state, "up", shop.toString(), "--port", Integer.toString(port), "--grace", "2s");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> Files.exists(state.resolve("run/shop.json"))
                        && JSON.readTree(state.resolve("run/shop.json").toFile())
                                .path("phase")
                                .asText()
                                .equals("ready"));
        String base = "http://127.0.0.1:" + port + "/";
        JsonNode fast = get(base + "?item=tea");
        assertThat(fast.path("price").asDouble()).isEqualTo(3.5);
        assertThat(fast.path("currency").asText()).isEqualTo("EUR");

        // Through the router's edge route (5s) to a storefront whose call to prices is cut at 1s by the prices
        // route: the caller gets the storefront's fallback, quickly, not a 504 and not a hang.
        long started = System.nanoTime();
        JsonNode slow = get(base + "?item=tea&delay=8");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(slow.path("price").isNull()).isTrue();
        assertThat(slow.path("problem").asText())
                .contains("prices answered 504")
                .contains("timed out after 1s");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    private static JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private Process start(Path state, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("up.out").toFile());
        TestHome.isolate(pb.environment(), home);
        pb.environment().put("SLIPWAY_STATE_DIR", state.toString());
        return pb.start();
    }

    private JsonNode awaitPhase(Path state, String phase) {
        await().atMost(Duration.ofSeconds(60))
                .failFast(
                        "slipway up exited",
                        () -> assertThat(slipway.isAlive())
                                .as(() -> text(home.resolve("up.out")))
                                .isTrue())
                .until(() -> Files.exists(state.resolve("run/predict.json"))
                        && read(state).path("phase").asText().equals(phase));
        return read(state);
    }

    private static JsonNode read(Path state) {
        try {
            return JSON.readTree(state.resolve("run/predict.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode replica(JsonNode state, String cluster, int replica) {
        for (JsonNode r : state.path("replicas")) {
            if (r.path("cluster").asText().equals(cluster) && r.path("replica").asInt() == replica) {
                return r;
            }
        }
        throw new AssertionError("no replica " + cluster + "/" + replica + " in " + state);
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Long> pids(JsonNode state) {
        List<Long> out = new ArrayList<>();
        state.path("replicas").forEach(r -> out.add(r.path("pid").asLong()));
        return out;
    }

    private static String predict(String base, String input) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "predict"))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("input", input))))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static void kill(long pid) throws IOException {
        kill("KILL", pid);
    }

    private static void kill(String signal, long pid) throws IOException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .start()
                .onExit()
                .join();
    }

    /** Living (non-zombie) members of a process group, from /proc. */
    static List<Long> groupMembers(long pgid) {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (!f[0].equals("Z") && Long.parseLong(f[2]) == pgid) {
                    out.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Load from one thread: GET /predict?input=... in a loop, recording failures and which cluster answered.
     * Idempotent requests are what the router promises never to fail when a replica dies (it retries them on
     * another endpoint); a POST already sent to a replica killed mid-request cannot be retried safely by any
     * proxy.
     */
    static final class Load {
        final String base;
        final AtomicInteger ok = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final Map<String, Integer> clusters = new ConcurrentHashMap<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Load(String base) {
            this.base = base;
            this.thread = new Thread(this::loop, "load");
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        private void loop() {
            while (running.get()) {
                try {
                    HttpResponse<String> r = HTTP.send(
                            HttpRequest.newBuilder(URI.create(base + "predict?input=great+work"))
                                    .timeout(Duration.ofSeconds(10))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        failures.add(r.statusCode() + " " + r.body());
                    } else {
                        ok.incrementAndGet();
                        clusters.merge(JSON.readTree(r.body()).path("cluster").asText(), 1, Integer::sum);
                    }
                } catch (IOException e) {
                    failures.add(e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Waits until no living process is left in any of {@code groups}. A stopped replica's leader is gone when its
     * stop returns, but the parent-death watchdog in its group notices a moment later, so a check at once races.
     */
    static void awaitGroupsGone(Collection<Long> groups) {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> groups.forEach(g ->
                        assertThat(groupMembers(g)).as("process group " + g).isEmpty()));
    }
}
