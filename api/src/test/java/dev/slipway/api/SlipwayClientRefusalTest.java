package dev.slipway.api;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.slipway.core.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the client makes of answers that are not a Slipway success, from a real HTTP server on loopback: the
 * server's problems, a proxy's error page, a closed port. Each becomes a user error that says what happened.
 */
class SlipwayClientRefusalTest {

    private HttpServer http;

    @BeforeEach
    void start() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/api/apps/shop/environments/production/deploys", exchange -> answer(exchange, 422, """
                {"type": "about:blank", "title": "Unknown commit", "status": 422, "detail": "x",
                 "problems": [{"where": "ref v9", "what": "is not a commit of the app's repository",
                               "fix": "push the commit, or name one git log shows"}]}
                """));
        http.createContext("/api/deploys/1", exchange -> answer(exchange, 502, "<html>Bad Gateway</html>"));
        http.createContext("/api/apps", exchange -> answer(exchange, 200, "{\"not\": \"a list\"}"));
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop(0);
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private SlipwayClient client() throws IOException {
        return SlipwayClient.withToken("http://127.0.0.1:" + http.getAddress().getPort(), "slw_test", Optional.empty());
    }

    @Test
    void theServersProblemsBecomeTheUsersError() throws IOException {
        SlipwayClient client = client();

        assertThatThrownBy(() -> client.deploy("shop", "production", Optional.of("v9")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("ref v9")
                .hasMessageContaining("is not a commit of the app's repository")
                .hasMessageContaining("push the commit");
    }

    @Test
    void anErrorPageFromSomethingElseSaysWhatAnswered() throws IOException {
        SlipwayClient client = client();

        assertThatThrownBy(() -> client.status(1))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("the server answered 502");
    }

    @Test
    void anAnswerOfTheWrongShapeIsNotTakenForTheApi() throws IOException {
        SlipwayClient client = client();

        assertThatThrownBy(client::appList)
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is not the Slipway API's JSON");
    }

    @Test
    void aServerThatIsNotThereIsUnreachable() throws IOException {
        SlipwayClient client = client();
        http.stop(0);

        assertThatThrownBy(client::apps)
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cannot reach the Slipway server");
    }

    @Test
    void aLongPollToAServerThatAcceptsButNeverAnswersGivesUpAfterItsWaitAndTheGrace() throws IOException {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            SlipwayClient client =
                    SlipwayClient.withToken("http://127.0.0.1:" + silent.getLocalPort(), "slw_test", Optional.empty());
            long started = System.nanoTime();

            assertThatThrownBy(() -> client.rolloutStages("shop", "production", 0, java.time.Duration.ZERO))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("cannot reach the Slipway server: no answer in time");
            // It gave up on its own (the grace), not at the client's two-minute limit: a router notices a server
            // that vanished without closing its connections within a poll's time.
            org.assertj.core.api.Assertions.assertThat(java.time.Duration.ofNanos(System.nanoTime() - started))
                    .isLessThan(java.time.Duration.ofMinutes(1));
        }
    }
}
