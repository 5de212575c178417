package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSocket through the router, with the JDK's WebSocket client and Netty's server: the handshake is routed like
 * any request (stage, metrics), then the connection is a tunnel with an idle timeout instead of the route's.
 */
class WebSocketTest {
    @TempDir
    Path dir;

    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A client socket whose received text messages and close land in queues. */
    static final class Client implements WebSocket.Listener {
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final StringBuilder partial = new StringBuilder();
        WebSocket socket;

        static Client connect(Router router) throws Exception {
            Client c = new Client();
            c.socket = HTTP.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + router.address().getPort() + "/ws"), c)
                    .get(5, TimeUnit.SECONDS);
            return c;
        }

        String ask(String text) throws Exception {
            socket.sendText(text, true).get(5, TimeUnit.SECONDS);
            String answer = received.poll(5, TimeUnit.SECONDS);
            assertThat(answer)
                    .as("an answer to " + text.substring(0, Math.min(20, text.length())))
                    .isNotNull();
            return answer;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }

    static String config(String a, String b, String limits, String stage) {
        return RouterFixture.header() + """
                limits: %s
                backends:
                  a: {clusters: [{name: east, endpoints: [%s]}]}
                  b: {clusters: [{name: east, endpoints: [%s]}]}
                routes:
                  - {name: ws, backend: a, timeout: 200ms, migration: {to: b, stage: %s}}
                """.formatted(limits, a, b, stage);
    }

    @Test
    void messagesGoBothWaysLongAfterTheRouteTimeoutAndTheSocketCountsAsOneRequest() throws Exception {
        try (TestWebSocketBackend a = new TestWebSocketBackend("A");
                TestWebSocketBackend b = new TestWebSocketBackend("B");
                RouterFixture fixture =
                        new RouterFixture(dir, config(a.address(), b.address(), "{idleTimeout: 10s}", "off"))) {
            Client client = Client.connect(fixture.router);
            long opened = System.nanoTime();
            assertThat(client.ask("hello")).isEqualTo("A: hello");
            for (int i = 0; i < 200; i++) {
                assertThat(client.ask("message " + i)).isEqualTo("A: message " + i);
            }
            String big = "x".repeat(200_000);
            String bigAnswer = client.ask(big);
            assertThat(bigAnswer.length()).as("a 200 kB message, through").isEqualTo(big.length() + 3);
            assertThat(bigAnswer.equals("A: " + big)).isTrue();
            // The route's 200 ms bound handshakes, not sockets.
            await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - opened > 3 * 200_000_000L);
            assertThat(client.ask("still here")).isEqualTo("A: still here");

            String metrics = fixture.admin().get("/metrics").body();
            assertThat(metrics)
                    .contains(
                            "slipway_router_requests_total{backend=\"a\",cluster=\"east\",route=\"ws\",status=\"1xx\"} 1.0")
                    .contains("slipway_router_tunnels 1.0")
                    .doesNotContain("slipway_router_timeouts_total{route=\"ws\"} 1.0");

            client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            assertThat(client.closed.get(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> fixture.admin().get("/metrics").body().contains("slipway_router_tunnels 0.0"));
        }
    }

    @Test
    void aSocketIdleForTheIdleTimeoutIsClosedAndOneInUseIsNot() throws Exception {
        try (TestWebSocketBackend a = new TestWebSocketBackend("A");
                TestWebSocketBackend b = new TestWebSocketBackend("B");
                RouterFixture fixture =
                        new RouterFixture(dir, config(a.address(), b.address(), "{idleTimeout: 1s}", "off"))) {
            Client idle = Client.connect(fixture.router);
            Client busy = Client.connect(fixture.router);
            assertThat(idle.ask("once")).isEqualTo("A: once");
            long opened = System.nanoTime();
            int i = 0;
            while (!idle.closed.isDone()) {
                assertThat(busy.ask("keep-alive " + i)).isEqualTo("A: keep-alive " + i);
                i++;
                assertThat(System.nanoTime() - opened)
                        .as("closed within the idle timeout and a bit")
                        .isLessThan(5_000_000_000L);
            }
            assertThat(System.nanoTime() - opened)
                    .as("not before the idle timeout")
                    .isGreaterThanOrEqualTo(900_000_000L);
            assertThat(busy.closed).isNotDone();
            assertThat(busy.ask("after")).isEqualTo("A: after");
            assertThat(fixture.admin().get("/metrics").body())
                    .contains("slipway_router_tunnels_closed_total{reason=\"idle\"} 1.0");
        }
    }

    @Test
    void aStageChangeMovesNewSocketsOnlyAndABackendClosingEndsItsSocket() throws Exception {
        try (TestWebSocketBackend a = new TestWebSocketBackend("A");
                TestWebSocketBackend b = new TestWebSocketBackend("B");
                RouterFixture fixture =
                        new RouterFixture(dir, config(a.address(), b.address(), "{idleTimeout: 10s}", "off"))) {
            Client before = Client.connect(fixture.router);
            assertThat(before.ask("1")).isEqualTo("A: 1");

            fixture.router.changeStage("ws", Stage.full());
            Client after = Client.connect(fixture.router);
            assertThat(after.ask("2")).isEqualTo("B: 2");
            assertThat(before.ask("3")).as("an open socket stays where it was").isEqualTo("A: 3");

            a.dropSockets();
            before.closed.get(5, TimeUnit.SECONDS);
            assertThat(after.ask("4")).isEqualTo("B: 4");
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(fixture.admin()
                                    .get("/metrics")
                                    .body()
                                    .lines()
                                    .filter(l -> l.startsWith("slipway_router_tunnels"))
                                    .toList())
                            .contains("slipway_router_tunnels_closed_total{reason=\"backend\"} 1.0"));
        }
    }
}
