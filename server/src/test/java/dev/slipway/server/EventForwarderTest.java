package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.EventBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Abnormal Kubernetes events of a managed environment forwarded by a real server: to a stand-in Sentry server (the
 * envelopes the official SDK posts, parsed) and a webhook, both on 127.0.0.1, from a mock API server's Events.
 */
class EventForwarderTest {
    static final String EVENTS = "/api/apps/shop/environments/production/events";

    @TempDir
    Path root;

    TestClusters clusters;
    MockCluster east;
    ServerFixture fixture;
    SentryReceiver sentry;
    HttpServer webhook;
    final List<JsonNode> hooked = new CopyOnWriteArrayList<>();
    /** What a chat channel's incoming webhook received. */
    final List<JsonNode> chatted = new CopyOnWriteArrayList<>();

    SlipwayServer server;
    ServerConfig config;
    ApiClient admin;

    @BeforeEach
    void start() throws IOException {
        clusters = TestClusters.start("east-1");
        east = clusters.cluster("east-1");
        fixture = new ServerFixture(root, clusters);
        sentry = new SentryReceiver();
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            try (exchange) {
                hooked.add(Views.JSON.readTree(
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                exchange.sendResponseHeaders(204, -1);
            }
        });
        webhook.createContext("/chat", exchange -> {
            try (exchange) {
                chatted.add(Views.JSON.readTree(
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        webhook.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        sentry.close();
        webhook.stop(0);
        clusters.close();
    }

    EventForwarding forwarding() {
        return EventForwarding.DEFAULTS
                .withSentry(sentry.dsn())
                .withWebhook(
                        URI.create("http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook"))
                .withRefresh(Duration.ofMillis(200))
                .withRetry(Duration.ofSeconds(1), Duration.ofSeconds(4));
    }

    void startServer(EventForwarding events) {
        config = fixture.config("server-a").withEvents(events);
        server = fixture.start(config);
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        ApiClient.Reply registered = admin.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");
        assertThat(registered.status()).as(registered.body()).isIn(200, 201);
    }

    /** A Warning event about pod {@code pod}, as the kubelet writes it. */
    void event(String namespace, String name, String pod, String type, String reason, int count) {
        east.client()
                .v1()
                .events()
                .inNamespace(namespace)
                .resource(new EventBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withNewInvolvedObject()
                        .withKind("Pod")
                        .withName(pod)
                        .withNamespace(namespace)
                        .endInvolvedObject()
                        .withReason(reason)
                        .withType(type)
                        .withMessage(reason + " for " + pod)
                        .withCount(count)
                        .withFirstTimestamp(fixture.clock.instant().toString())
                        .withLastTimestamp(fixture.clock.instant().toString())
                        .build())
                .create();
    }

    static String tag(JsonNode event, String key) {
        JsonNode tags = event.path("tags");
        if (tags.isObject()) {
            return tags.path(key).asText(null);
        }
        for (JsonNode pair : tags) {
            if (pair.isArray() && pair.get(0).asText().equals(key)) {
                return pair.get(1).asText();
            }
        }
        return null;
    }

    List<String> sentObjects() {
        return sentry.events().stream().map(e -> tag(e, "object")).toList();
    }

    String metrics() {
        return admin.get("/metrics").body();
    }

    @Test
    void warningsReachTheErrorTrackerAndWebhookTaggedWithTheirDeployAndRepeatsAreGrouped() {
        startServer(forwarding()
                .withChat(URI.create("http://127.0.0.1:" + webhook.getAddress().getPort() + "/chat")));
        JsonNode deployed =
                admin.awaitDeploy(admin.post("/api/apps/shop/environments/production/deploys", "{\"ref\": \"v1\"}")
                        .json()
                        .get("id")
                        .asLong());
        assertThat(deployed.get("state").asText()).as(deployed.toString()).isEqualTo("succeeded");
        event("shop", "web-1.a", "web-1", "Normal", "Scheduled", 1);
        // staging is managed too (namespace shop-staging): its event goes with env staging
        event("shop-staging", "web-9.a", "web-9", "Warning", "BackOff", 1);
        event("elsewhere", "x.a", "x", "Warning", "BackOff", 1);
        event("shop", "web-1.b", "web-1", "Warning", "BackOff", 2);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> sentry.events().stream().anyMatch(e -> "production".equals(tag(e, "env"))));
        JsonNode sent = sentry.events().stream()
                .filter(e -> "production".equals(tag(e, "env")))
                .findFirst()
                .orElseThrow();
        assertThat(tag(sent, "app")).isEqualTo("shop");
        assertThat(tag(sent, "cluster")).isEqualTo("east-1");
        assertThat(tag(sent, "namespace")).isEqualTo("shop");
        assertThat(tag(sent, "reason")).isEqualTo("BackOff");
        assertThat(tag(sent, "count")).isEqualTo("2");
        assertThat(tag(sent, "ref")).isEqualTo("v1");
        assertThat(tag(sent, "revision")).isEqualTo("1");
        assertThat(tag(sent, "deployed_by")).isEqualTo("admin");
        assertThat(sent.path("environment").asText()).isEqualTo("production");
        assertThat(sent.path("level").asText()).isEqualTo("warning");
        assertThat(sent.path("fingerprint").toString()).contains("web-1", "BackOff");
        assertThat(sentry.problems()).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> hooked.size() == 2);
        assertThat(sentry.events()).anySatisfy(e -> assertThat(tag(e, "env")).isEqualTo("staging"));
        assertThat(hooked).anySatisfy(h -> {
            assertThat(h.path("environment").asText()).isEqualTo("production");
            assertThat(h.path("object").path("name").asText()).isEqualTo("web-1");
            assertThat(h.path("events").asText()).endsWith(EVENTS);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> chatted.size() == 2);
        assertThat(chatted)
                .extracting(c -> c.path("text").asText())
                .anySatisfy(text -> assertThat(text)
                        .startsWith(":warning: *BackOff* of Pod web-1 in shop/production on east-1 (x2): ")
                        .contains("revision 1, ref v1, deployed by admin.")
                        .endsWith(EVENTS + "|events>"));

        // The kubelet's aggregation raises the count: one group, counted, not sent again.
        var repeated = east.client()
                .v1()
                .events()
                .inNamespace("shop")
                .withName("web-1.b")
                .get();
        repeated.setCount(5);
        east.client().v1().events().inNamespace("shop").resource(repeated).update();
        // A second reason for the same pod is a group of its own.
        event("shop", "web-1.c", "web-1", "Warning", "Unhealthy", 1);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> admin.get(EVENTS).json().size() == 2
                        && admin.get(EVENTS).json().get(1).get("count").asInt() == 5);
        JsonNode listed = admin.get(EVENTS).json();
        assertThat(listed.get(0).get("reason").asText()).isEqualTo("Unhealthy");
        assertThat(listed.get(1).get("reason").asText()).isEqualTo("BackOff");
        assertThat(listed.get(1).get("deployedBy").asText()).isEqualTo("admin");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> sentry.events().stream()
                                .filter(e -> "production".equals(tag(e, "env")))
                                .count()
                        == 2);
        assertThat(sentry.events().stream()
                        .filter(e -> "production".equals(tag(e, "env")))
                        .map(e -> tag(e, "reason")))
                .containsExactly("BackOff", "Unhealthy");
        assertThat(sentry.events()).noneMatch(e -> "x".equals(tag(e, "object")));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics().contains("slipway_events_forwarded_total{sink=\"sentry\"}"));
        assertThat(metrics()).contains("slipway_events_queue_depth{sink=\"sentry\"} 0.0");
    }

    @Test
    void aReviewLabsNamespaceIsWatchedAndItsEventsGoUnderTheLabsEnvironment() {
        startServer(forwarding());
        var lab = server.store()
                .labs()
                .open(new dev.slipway.store.LabOpening(
                        "shop",
                        "feature/x",
                        "feature-x",
                        "shop-lab-feature-x",
                        "abc123",
                        "alice",
                        Duration.ofHours(24)));
        event(lab.namespace(), "web-lab.a", "web-lab", "Warning", "FailedMount", 1);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> sentry.events().stream().anyMatch(e -> "web-lab".equals(tag(e, "object"))));
        JsonNode sent = sentry.events().stream()
                .filter(e -> "web-lab".equals(tag(e, "object")))
                .findFirst()
                .orElseThrow();
        assertThat(tag(sent, "env")).isEqualTo("lab-feature-x");
        assertThat(tag(sent, "namespace")).isEqualTo("shop-lab-feature-x");
        assertThat(tag(sent, "reason")).isEqualTo("FailedMount");
    }

    @Test
    void newGroupsBeyondTheRateLimitAreDroppedAndCounted() {
        startServer(forwarding().withRate(1, 2));
        for (int i = 1; i <= 4; i++) {
            event("shop", "web-" + i + ".a", "web-" + i, "Warning", "FailedScheduling", 1);
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        metrics().contains("slipway_events_dropped_total{reason=\"rate_limited\",sink=\"all\"} 2.0"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sentry.events().size() == 2);
        assertThat(sentObjects()).containsExactly("web-1", "web-2");
        assertThat(admin.get(EVENTS).json().size()).isEqualTo(2);
    }

    @Test
    void anErrorTrackerThatIsDownGetsEveryEventOnceItIsBack() {
        sentry.answer(503);
        startServer(forwarding());
        for (int i = 1; i <= 3; i++) {
            event("shop", "web-" + i + ".a", "web-" + i, "Warning", "OOMKilling", 1);
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> sentry.attempts() >= 1 && admin.get(EVENTS).json().size() == 3);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics().contains("slipway_events_queue_depth{sink=\"sentry\"} 3.0"));
        assertThat(admin.get(EVENTS).json().get(0).get("undelivered").toString())
                .contains("sentry");
        // The webhook was up all along: it gets all three while Sentry's wait in the queue.
        await().atMost(Duration.ofSeconds(10)).until(() -> hooked.size() == 3);
        assertThat(sentry.events()).isEmpty();

        sentry.answer(200);
        // Retries wait on the server's clock: past the longest backoff, everything is due again.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    fixture.clock.add(Duration.ofSeconds(4));
                    return sentry.events().size() >= 3;
                });
        assertThat(sentObjects()).containsExactlyInAnyOrder("web-1", "web-2", "web-3");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics().contains("slipway_events_queue_depth{sink=\"sentry\"} 0.0"));
        assertThat(metrics()).contains("slipway_events_forwarded_total{sink=\"sentry\"} 3.0");
    }

    @Test
    void aRestartedServerResumesWithNeitherDuplicatesNorLosses() {
        startServer(forwarding());
        event("shop", "web-1.a", "web-1", "Warning", "BackOff", 1);
        event("shop", "web-2.a", "web-2", "Warning", "FailedMount", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> sentry.events().size() == 2);
        server.close();
        server = null;
        // while no server watches
        event("shop", "web-3.a", "web-3", "Warning", "Evicted", 1);
        event("shop", "web-4.a", "web-4", "Warning", "FailedCreate", 1);

        server = fixture.start(config);
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        await().atMost(Duration.ofSeconds(20)).until(() -> sentry.events().size() >= 4);
        event("shop", "web-5.a", "web-5", "Warning", "Unhealthy", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> sentry.events().size() >= 5);
        assertThat(sentObjects()).containsExactly("web-1", "web-2", "web-3", "web-4", "web-5");
        assertThat(admin.get(EVENTS).json().size()).isEqualTo(5);
    }

    @Test
    void aWatchEndedWith410GoneIsListedAgainAndMissesNothing() {
        startServer(forwarding());
        event("shop", "web-1.a", "web-1", "Warning", "BackOff", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> sentry.events().size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> east.expireWatches() > 0);
        event("shop", "web-2.a", "web-2", "Warning", "ProgressDeadlineExceeded", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> sentry.events().size() >= 2);
        assertThat(sentObjects()).containsExactly("web-1", "web-2");
        assertThat(server.events().orElseThrow().unreachable()).isEmpty();
    }

    @Test
    void ofTwoServersOnOneDatabaseOneForwardsAndTheOtherTakesOverWhenItStops() throws Exception {
        dev.slipway.store.StoreConfig shared = PostgresSchemas.fresh();
        SlipwayServer second = null;
        try {
            config = fixture.config("server-a", shared).withEvents(forwarding());
            server = fixture.start(config);
            admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
            assertThat(admin.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}")
                            .status())
                    .isIn(200, 201);
            second = fixture.start(fixture.config("server-b", shared).withEvents(forwarding()));
            event("shop", "web-1.a", "web-1", "Warning", "BackOff", 1);
            await().atMost(Duration.ofSeconds(20)).until(() -> sentry.events().size() == 1);
            event("shop", "web-2.a", "web-2", "Warning", "FailedMount", 1);
            await().atMost(Duration.ofSeconds(20)).until(() -> sentry.events().size() >= 2);

            server.close(); // releases the lease: server-b forwards from where server-a got to
            server = null;
            event("shop", "web-3.a", "web-3", "Warning", "Evicted", 1);
            await().atMost(Duration.ofSeconds(20)).until(() -> sentry.events().size() >= 3);
            assertThat(sentObjects()).containsExactly("web-1", "web-2", "web-3");
            // Each sink is delivered on its own: the webhook's third may come after Sentry's.
            await().atMost(Duration.ofSeconds(20)).until(() -> hooked.size() >= 3);
            assertThat(hooked)
                    .extracting(h -> h.path("object").path("name").asText())
                    .containsExactly("web-1", "web-2", "web-3");
        } finally {
            if (second != null) {
                second.close();
            }
            if (server != null) {
                server.close();
                server = null;
            }
            PostgresSchemas.drop(shared);
        }
    }
}
