package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.store.StoreConfig;
import dev.slipway.testkit.TestClusters;
import dev.slipway.testkit.TestHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/**
 * A server process killed with SIGKILL mid-deploy: its record survives, marked interrupted, and can be resumed;
 * a log stream cut by the crash picks up on the restarted server where it was, no line repeated or lost.
 */
class CrashRecoveryTest {

    @TempDir
    Path root;

    Process child;

    @AfterEach
    void killChild() {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
        }
    }

    @Test
    void aServerKilledMidDeployLeavesAnInterruptedRecordWithPerClusterProgressThatCanBeResumed() throws Exception {
        try (TestClusters clusters = TestClusters.start("east-1", "west-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            makeWestHang(fixture);
            ServerConfig config = fixture.config("crashy");

            child = startChild(config, fixture, clusters, List.of(), java.util.Map.of());
            String url = awaitListening(root.resolve("child.log"));
            ApiClient api = new ApiClient(url, ServerFixture.adminToken(config));
            EventStream cut = new EventStream();
            long id = deployAndKillMidGroup(api, fixture, deploy -> cut.follow(url, config, deploy, Optional.empty()));
            await().atMost(Duration.ofSeconds(30)).until(cut::ended);
            assertThat(cut.events())
                    .as("lines the crash cut off mid-deploy")
                    .isNotEmpty()
                    .noneMatch(e -> e.name().equals("end"));

            // The lock the killed deploy held on west-1 lives for the deploy timeout plus two minutes; the restarted
            // server's clock is past it, as a real restart after that long would be.
            MutableClock later = MutableClock.of(Instant.now().plus(Duration.ofMinutes(15)), ZoneOffset.UTC);
            try (SlipwayServer restarted = fixture.start(config, later)) {
                ApiClient again = new ApiClient(restarted.url(), ServerFixture.adminToken(config));
                JsonNode record = again.get("/api/deploys/" + id).json();
                assertThat(record.get("state").asText()).isEqualTo("interrupted");
                assertThat(clusterStates(record)).containsExactly("east-1:succeeded", "west-1:interrupted");
                assertThat(record.get("clusters").get(0).get("revision").asInt())
                        .isEqualTo(1);
                assertThat(again.get("/api/audit?action=deploy.interrupted").json())
                        .anySatisfy(e -> assertThat(e.get("details").asText()).contains("deploy " + id));

                // Reconnecting as a browser does (Last-Event-ID: the last line it got) gives the lines after it.
                long lastSeen = cut.events().get(cut.events().size() - 1).id();
                EventStream resumedStream = new EventStream();
                resumedStream.follow(restarted.url(), config, id, Optional.of(lastSeen));
                await().atMost(Duration.ofSeconds(30)).until(resumedStream::ended);
                EventStream whole = new EventStream();
                whole.follow(restarted.url(), config, id, Optional.empty());
                await().atMost(Duration.ofSeconds(30)).until(whole::ended);
                List<EventStream.Event> seen = new java.util.ArrayList<>(cut.events());
                seen.addAll(resumedStream.events());
                assertThat(seen)
                        .as("what the page showed across the restart is the whole log once, in order")
                        .containsExactlyElementsOf(whole.events());
                assertThat(resumedStream.events().get(resumedStream.events().size() - 1))
                        .isEqualTo(new EventStream.Event(-1, "end", "interrupted"));

                fixture.writeManifests("ready");
                JsonNode resumed =
                        again.post("/api/deploys/" + id + "/resume", "").json();
                assertThat(resumed.get("resumes").asLong()).isEqualTo(id);
                long resumedId = resumed.get("id").asLong();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> again.get("/api/deploys/" + resumedId)
                                .json()
                                .get("state")
                                .asText()
                                .equals("succeeded"));
                assertThat(again.post("/api/deploys/" + id + "/resume", "").status())
                        .as("resumed once is enough, still interrupted")
                        .isEqualTo(202);
            }
        }
    }

    /** A real server process, so it can be killed with SIGKILL; {@code extra} arguments, {@code env} added. */
    private Process startChild(
            ServerConfig config,
            ServerFixture fixture,
            TestClusters clusters,
            List<String> extra,
            java.util.Map<String, String> env)
            throws java.io.IOException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ServerMain.class.getName(),
                "--state-dir",
                config.stateDir().toString(),
                "--clusters",
                fixture.clustersFile.toString(),
                "--kubeconfig",
                clusters.kubeconfig().toString(),
                "--server-id",
                config.serverId(),
                "--port",
                "0",
                "--deploy-timeout",
                "10m"));
        command.addAll(extra);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(root.resolve("child.log").toFile());
        TestHome.isolate(builder.environment(), root.resolve("home"));
        builder.environment().putAll(env);
        return builder.start();
    }

    /**
     * Registers the app, starts a deploy, and kills the server once east-1 is done and west-1 is not; {@code
     * watching} is told the deploy's id first.
     */
    private long deployAndKillMidGroup(ApiClient api, ServerFixture fixture, java.util.function.LongConsumer watching)
            throws InterruptedException {
        assertThat(api.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}")
                        .status())
                .isEqualTo(201);
        long id = api.post("/api/apps/shop/environments/production/deploys", "{\"ref\": \"v1\"}")
                .json()
                .get("id")
                .asLong();
        watching.accept(id);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> clusterStates(api.get("/api/deploys/" + id).json())
                        .equals(List.of("east-1:succeeded", "west-1:running")));
        child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(child.isAlive()).isFalse();
        return id;
    }

    private static void makeWestHang(ServerFixture fixture) throws java.io.IOException {
        // The Deployment becomes ready on east-1 and never on west-1, so the deploy is mid-group when killed.
        Files.writeString(
                fixture.appDir.resolve("kubernetes/app.yaml"),
                Files.readString(fixture.appDir.resolve("kubernetes/app.yaml"))
                        .replace(
                                "  name: web\n",
                                "  name: web\n  annotations:\n    slipway.dev/override.west-1: '{\"spec\": {\"template\": "
                                        + "{\"metadata\": {\"annotations\": {\"testkit.slipway.dev/outcome\": \"hang\"}}}}}'\n"));
    }

    @Test
    void aDeployWhoseServerDiedIsMarkedInterruptedByAnotherServerOnTheSameDatabase() throws Exception {
        StoreConfig database = PostgresSchemas.fresh();
        PostgresSchemas.create(database);
        try (TestClusters clusters = TestClusters.start("east-1", "west-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            makeWestHang(fixture);
            ServerConfig configA = fixture.config("server-a", database);
            String jdbcUrl =
                    database.jdbcUrl() + "?currentSchema=" + database.schema().orElseThrow();
            child = startChild(
                    configA,
                    fixture,
                    clusters,
                    List.of("--db", jdbcUrl),
                    java.util.Map.of("PGUSER", database.credentials().user().orElse("postgres")));
            ApiClient api = new ApiClient(awaitListening(root.resolve("child.log")), ServerFixture.adminToken(configA));
            long id = deployAndKillMidGroup(api, fixture, deploy -> {});

            // Server B never ran this deploy. Once A's liveness lease has run out, B's heartbeat takes the orphan
            // over: it is marked interrupted, with what was done per cluster, and audited.
            MutableClock later = MutableClock.of(Instant.now().plus(Duration.ofMinutes(15)), ZoneOffset.UTC);
            try (SlipwayServer b = fixture.start(fixture.config("server-b", database), later)) {
                // tokens live in the shared database: A's first admin token works on B
                ApiClient viaB = new ApiClient(b.url(), ServerFixture.adminToken(configA));
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> viaB.get("/api/deploys/" + id)
                                .json()
                                .get("state")
                                .asText()
                                .equals("interrupted"));
                JsonNode record = viaB.get("/api/deploys/" + id).json();
                assertThat(clusterStates(record)).containsExactly("east-1:succeeded", "west-1:interrupted");
                assertThat(record.get("message").asText()).contains("stopped answering");
                assertThat(viaB.get("/api/audit?action=deploy.interrupted").json())
                        .anySatisfy(e -> assertThat(e.get("details").asText()).contains("deploy " + id));
            }
        } finally {
            PostgresSchemas.drop(database);
        }
    }

    private static List<String> clusterStates(JsonNode deploy) {
        return java.util.stream.StreamSupport.stream(deploy.get("clusters").spliterator(), false)
                .map(c -> c.get("cluster").asText() + ":" + c.get("state").asText())
                .toList();
    }

    private static String awaitListening(Path output) {
        Pattern listening = Pattern.compile("listening on (http\\S+)");
        String[] url = new String[1];
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            Matcher m = listening.matcher(Files.exists(output) ? Files.readString(output) : "");
            if (m.find()) {
                url[0] = m.group(1);
                return true;
            }
            return false;
        });
        return url[0];
    }

    /** A deploy's log as server-sent events, read on a thread of its own until the stream ends or breaks. */
    static final class EventStream {
        /** One event: its id (-1 without one), its name and its data. */
        record Event(long id, String name, String data) {}

        private final List<Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

        void follow(String url, ServerConfig config, long deploy, Optional<Long> lastEventId) {
            java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(url + "/api/deploys/" + deploy + "/log"))
                    .header("Accept", "text/event-stream")
                    .header("Authorization", "Bearer " + ServerFixture.adminToken(config));
            lastEventId.ifPresent(last -> request.header("Last-Event-ID", Long.toString(last)));
            Thread reader = new Thread(
                    () -> {
                        try (java.util.stream.Stream<String> lines = java.net.http.HttpClient.newHttpClient()
                                .send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofLines())
                                .body()) {
                            long id = -1;
                            String name = "message";
                            StringBuilder data = new StringBuilder();
                            for (String line : (Iterable<String>) lines::iterator) {
                                if (line.isEmpty()) {
                                    if (data.length() > 0) {
                                        events.add(new Event(id, name, data.toString()));
                                    }
                                    id = -1;
                                    name = "message";
                                    data.setLength(0);
                                } else if (line.startsWith("id:")) {
                                    id = Long.parseLong(line.substring(3).strip());
                                } else if (line.startsWith("event:")) {
                                    name = line.substring(6).strip();
                                } else if (line.startsWith("data:")) {
                                    data.append(line.substring(5).stripLeading());
                                }
                            }
                        } catch (java.io.IOException | java.io.UncheckedIOException e) {
                            // the server went away mid-stream: what was read stays
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            ended.set(true);
                        }
                    },
                    "log stream of deploy " + deploy);
            reader.setDaemon(true);
            reader.start();
        }

        boolean ended() {
            return ended.get();
        }

        List<Event> events() {
            return List.copyOf(events);
        }
    }
}
