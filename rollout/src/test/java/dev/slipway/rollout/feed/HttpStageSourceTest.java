package dev.slipway.rollout.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.slipway.api.RolloutStages;
import dev.slipway.api.SlipwayClient;
import dev.slipway.router.Stage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HttpStageSourceTest {
    static final HttpStageSource.Settings FAST =
            new HttpStageSource.Settings(Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofMillis(80));

    /** Answers handed out by the test, one per poll; a poll with none waiting blocks until one comes. */
    static final class ScriptedPoll implements HttpStageSource.Poll {
        final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        final List<Long> asked = new CopyOnWriteArrayList<>();

        @Override
        public RolloutStages poll(long after, Duration wait) {
            asked.add(after);
            Object next;
            try {
                next = answers.poll(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
            if (next instanceof RuntimeException e) {
                throw e;
            }
            return (RolloutStages) next;
        }
    }

    @Test
    void keepsTheLastGoodStagesWhileTheServerIsAwayBacksOffBoundedAndIsFreshAgainOnItsFirstAnswer() {
        ScriptedPoll poll = new ScriptedPoll();
        List<Duration> pauses = new CopyOnWriteArrayList<>();
        try (HttpStageSource source =
                HttpStageSource.start(poll, pauses::add, FAST, Clock.systemUTC(), "the test's server")) {
            assertThat(source.status().isStale()).as("no answer yet").isTrue();
            assertThat(source.current()).isEqualTo(Stages.none());
            List<Stages> told = new CopyOnWriteArrayList<>();
            source.subscribe(told::add);

            poll.answers.add(new RolloutStages(41, Map.of("east", "rps 100", "west", "off")));
            await().atMost(Duration.ofSeconds(5)).until(() -> source.version() == 41);
            assertThat(source.status().isStale()).isFalse();
            assertThat(source.current().stage("web", "east")).isEqualTo(Stage.requestsPerSecond(100));
            assertThat(source.current().stage("web", "west")).isEqualTo(Stage.off());
            await().atMost(Duration.ofSeconds(5)).until(() -> poll.asked.contains(41L));

            for (int i = 0; i < 5; i++) {
                poll.answers.add(new IllegalStateException("connection refused"));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> pauses.size() == 5);
            assertThat(pauses)
                    .as("doubling from the minimum, never above the maximum")
                    .containsExactly(
                            Duration.ofMillis(10),
                            Duration.ofMillis(20),
                            Duration.ofMillis(40),
                            Duration.ofMillis(80),
                            Duration.ofMillis(80));
            assertThat(source.status().isStale()).isTrue();
            assertThat(source.status().detail()).contains("connection refused");
            assertThat(source.current().stage("web", "east"))
                    .as("the last good stages are kept")
                    .isEqualTo(Stage.requestsPerSecond(100));

            poll.answers.add(new RolloutStages(42, Map.of("east", "percent 10", "west", "off")));
            await().atMost(Duration.ofSeconds(5)).until(() -> source.version() == 42);
            assertThat(source.status().isStale()).isFalse();
            assertThat(source.current().stage("web", "east")).isEqualTo(Stage.percent(10));
            assertThat(told)
                    .last()
                    .satisfies(s -> assertThat(s.stage("web", "east")).isEqualTo(Stage.percent(10)));

            poll.answers.add(new IllegalStateException("reset"));
            await().atMost(Duration.ofSeconds(5)).until(() -> pauses.size() == 6);
            assertThat(pauses.get(5)).as("a good answer resets the back-off").isEqualTo(Duration.ofMillis(10));
        }
    }

    @Test
    void anAnswerThatIsNotAStageIsRefusedAndTheLastGoodOnesKept() {
        ScriptedPoll poll = new ScriptedPoll();
        List<Duration> pauses = new CopyOnWriteArrayList<>();
        try (HttpStageSource source = HttpStageSource.start(poll, pauses::add, FAST, Clock.systemUTC(), "test")) {
            poll.answers.add(new RolloutStages(7, Map.of("east", "full")));
            await().atMost(Duration.ofSeconds(5)).until(() -> source.version() == 7);
            poll.answers.add(new RolloutStages(8, Map.of("east", "half")));
            await().atMost(Duration.ofSeconds(5)).until(() -> source.status().isStale());
            assertThat(source.status().detail()).contains("'half'", "not a stage");
            assertThat(source.version()).isEqualTo(7);
            assertThat(source.current().stage("web", "east")).isEqualTo(Stage.full());
        }
    }

    /**
     * A small real HTTP server on 127.0.0.1 answering the stages endpoint as a Slipway server does (long poll
     * included), stopped and started again on the same port: the source goes stale with the last stages, then
     * follows the new server.
     */
    @Test
    void followsARealServerOverHttpThroughItsStopAndComingBack() throws Exception {
        AtomicReference<RolloutStages> served = new AtomicReference<>(new RolloutStages(5, Map.of("east", "optin")));
        HttpServer first = stagesServer(0, served);
        int port = first.getAddress().getPort();
        SlipwayClient client = SlipwayClient.withToken("http://127.0.0.1:" + port, "slw_test", Optional.empty());
        HttpStageSource.Settings settings =
                new HttpStageSource.Settings(Duration.ofSeconds(1), Duration.ofMillis(20), Duration.ofMillis(200));
        try (HttpStageSource source = HttpStageSource.follow(client, "shop", "production", settings)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> source.version() == 5);
            assertThat(source.current().stage("web", "east")).isEqualTo(Stage.optIn());

            synchronized (served) {
                served.set(new RolloutStages(6, Map.of("east", "rps 20")));
                served.notifyAll();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> source.version() == 6);
            assertThat(source.current().stage("web", "east")).isEqualTo(Stage.requestsPerSecond(20));

            first.stop(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> source.status().isStale());
            assertThat(source.current().stage("web", "east"))
                    .as("served while the server is away")
                    .isEqualTo(Stage.requestsPerSecond(20));

            served.set(new RolloutStages(9_000, Map.of("east", "percent 50")));
            HttpServer second = stagesServer(port, served);
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> source.version() == 9_000);
                assertThat(source.status().isStale()).isFalse();
                assertThat(source.current().stage("web", "east")).isEqualTo(Stage.percent(50));
            } finally {
                second.stop(0);
            }
        }
    }

    /** Serves {@code served} on the stages path, waiting (up to waitSeconds) while its version is not above after. */
    static HttpServer stagesServer(int port, AtomicReference<RolloutStages> served) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        List<String> paths = new ArrayList<>();
        server.createContext("/api/apps/shop/environments/production/rollout/stages", exchange -> {
            paths.add(exchange.getRequestURI().toString());
            Map<String, String> query = new java.util.HashMap<>();
            for (String pair : exchange.getRequestURI().getQuery().split("&")) {
                String[] kv = pair.split("=", 2);
                query.put(kv[0], kv[1]);
            }
            long after = Long.parseLong(query.get("after"));
            long deadline = System.nanoTime() + Long.parseLong(query.get("waitSeconds")) * 1_000_000_000L;
            RolloutStages now;
            synchronized (served) {
                while (served.get().version() <= after && System.nanoTime() < deadline) {
                    try {
                        served.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    } catch (InterruptedException e) {
                        break;
                    }
                }
                now = served.get();
            }
            StringBuilder json = new StringBuilder("{\"version\":" + now.version() + ",\"stages\":{");
            String sep = "";
            for (Map.Entry<String, String> e : now.stages().entrySet()) {
                json.append(sep)
                        .append('"')
                        .append(e.getKey())
                        .append("\":\"")
                        .append(e.getValue())
                        .append('"');
                sep = ",";
            }
            byte[] body = json.append("}}").toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stages-server");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return server;
    }
}
