package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyTest {
    @TempDir
    Path dir;

    TestBackend web;
    RouterFixture fixture;

    @BeforeEach
    void start() {
        web = new TestBackend("web-1");
        fixture = new RouterFixture(dir, RouterFixture.header() + """
                defaults:
                  timeout: 400ms
                limits:
                  maxHeaderBytes: 2048
                  headerReadTimeout: 300ms
                  maxConnections: 20
                backends:
                  web:
                    clusters:
                      - name: east
                        endpoints: [%s]
                routes:
                  - name: api
                    pathPrefix: /api
                    backend: web
                    timeout: 2s
                  - name: site
                    backend: web
                """.formatted(web.address()));
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
        web.close();
    }

    @Test
    void proxiesGetsToTheBackendOverOneKeepAliveConnection() {
        TestClient client = fixture.client();
        for (int i = 0; i < 3; i++) {
            TestClient.Response r = client.get("/api/items?" + i);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("web-1");
            assertThat(r.header("x-got-uri")).isEqualTo("/api/items?" + i);
        }
    }

    @Test
    void streamsRequestBodiesBothWaysUnchanged() {
        TestClient client = fixture.client();
        String body = "x".repeat(200_000);
        client.send("POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        TestClient.Response r = client.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(body);
        client.send("POST /echo HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assertThat(client.read().body()).isEqualTo("hello world");
    }

    @Test
    void dropsHopByHopHeadersAndAddsForwardedHeadersAndARequestId() {
        TestClient.Response r = fixture.client()
                .get(
                        "/api/x",
                        "Connection: keep-alive, X-Hop",
                        "X-Hop: secret-to-this-hop",
                        "X-Forwarded-For: 10.1.1.1");
        assertThat(r.header("x-got-x-hop")).isEqualTo("null");
        assertThat(r.header("x-got-connection")).isEqualTo("null");
        assertThat(r.header("x-got-x-forwarded-for")).isEqualTo("10.1.1.1, 127.0.0.1");
        assertThat(r.header("x-got-x-forwarded-proto")).isEqualTo("http");
        assertThat(r.header("x-got-x-forwarded-host")).isEqualTo("app.test");
        assertThat(r.header("x-request-id")).isNotBlank().isEqualTo(r.header("x-got-x-request-id"));
        assertThat(r.header("keep-alive")).as("backend's hop-by-hop header").isNull();
    }

    @Test
    void keepsTheClientsRequestId() {
        TestClient.Response r = fixture.client().get("/", "X-Request-Id: abc-123");
        assertThat(r.header("x-request-id")).isEqualTo("abc-123");
        assertThat(r.header("x-got-x-request-id")).isEqualTo("abc-123");
    }

    @Test
    void answersPipelinedRequestsInOrder() {
        TestClient client = fixture.client();
        client.send("GET /delay/150 HTTP/1.1\r\nHost: a\r\n\r\nGET /api/second HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /api/third HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(client.read().header("x-got-uri")).isEqualTo("/delay/150");
        assertThat(client.read().header("x-got-uri")).isEqualTo("/api/second");
        assertThat(client.read().header("x-got-uri")).isEqualTo("/api/third");
    }

    @Test
    void aRouteWithoutTimeoutGetsTheDefaultAndAnswers504NamingTheRoute() {
        long start = System.nanoTime();
        TestClient client = fixture.client();
        TestClient.Response r = client.get("/hang");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.body()).contains("route 'site'").contains("400ms");
        assertThat(took).isBetween(Duration.ofMillis(350), Duration.ofSeconds(3));
        // The connection stays usable after a timeout.
        assertThat(client.get("/api/after").status()).isEqualTo(200);
    }

    @Test
    void aSlowBackendGets504AtTheRouteTimeoutOnABusyKeptAliveConnection() {
        TestClient client = fixture.client();
        // Earlier requests on the connection armed and disarmed its timeouts many times over.
        for (int i = 0; i < 50; i++) {
            assertThat(client.get("/fast/" + i).status()).isEqualTo(200);
        }
        long start = System.nanoTime();
        TestClient.Response r = client.get("/hang");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.status()).isEqualTo(504);
        assertThat(took)
                .as("the 400ms timeout fires on time, not late")
                .isBetween(Duration.ofMillis(390), Duration.ofMillis(2000));
        assertThat(client.get("/api/after").status()).isEqualTo(200);
    }

    @Test
    void countsAnsweredRequestsByRouteBackendClusterAndStatusClass() {
        TestClient client = fixture.client();
        client.get("/api/one");
        client.get("/api/two");
        client.get("/status/404");
        client.get("/hang");
        String metrics = fixture.admin().get("/metrics").body();
        assertThat(metrics)
                .contains(
                        "slipway_router_requests_total{backend=\"web\",cluster=\"east\",route=\"api\",status=\"2xx\"} 2.0")
                .contains(
                        "slipway_router_requests_total{backend=\"web\",cluster=\"east\",route=\"site\",status=\"4xx\"} 1.0")
                .contains(
                        "slipway_router_requests_total{backend=\"web\",cluster=\"east\",route=\"site\",status=\"5xx\"} 1.0")
                .contains("slipway_router_request_duration_seconds_count{backend=\"web\",route=\"api\"} 2")
                .contains("slipway_router_timeouts_total{route=\"site\"} 1.0");
    }

    @Test
    void aRouteTimeoutOverridesTheDefault() {
        TestClient.Response r = fixture.client().get("/api/delay/800");
        assertThat(r.status()).as("800 ms is within the api route's 2 s").isEqualTo(200);
    }

    @Test
    void answersRequestsNoRouteMatchesWith404() throws Exception {
        fixture.write(
                fixture.configFile.toString().isEmpty() ? "" : RouterFixture.header() + """
                backends:
                  web:
                    clusters: [{name: east, endpoints: [%s]}]
                routes:
                  - {name: api, pathPrefix: /api, backend: web}
                """.formatted(web.address()));
        assertThat(fixture.router.reload().applied()).isTrue();
        TestClient client = fixture.client();
        assertThat(client.get("/apix").status()).isEqualTo(404);
        assertThat(client.get("/api/x").status())
                .as("same connection still works")
                .isEqualTo(200);
    }

    @Test
    void oversizedHeadersAre431AndTheConnectionCloses() {
        TestClient client = fixture.client();
        TestClient.Response r = client.get("/", "X-Big: " + "a".repeat(4000));
        assertThat(r.status()).isEqualTo(431);
        assertThat(client.closedByServer()).isTrue();
    }

    @Test
    void malformedRequestsAre400AndTheConnectionCloses() {
        TestClient client = fixture.client();
        client.send("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: banana\r\n\r\n");
        assertThat(client.read().status()).isEqualTo(400);
        assertThat(client.closedByServer()).isTrue();
    }

    @Test
    void aSlowClientIsCutOffAfterTheHeaderReadTimeout() {
        TestClient client = fixture.client();
        long start = System.nanoTime();
        client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ");
        TestClient.Response r = client.read();
        assertThat(r.status()).isEqualTo(408);
        assertThat(client.closedByServer()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isBetween(Duration.ofMillis(250), Duration.ofSeconds(3));
        // Others are served meanwhile.
        assertThat(fixture.client().get("/").status()).isEqualTo(200);
    }

    @Test
    void connectionsBeyondTheLimitAre503() {
        for (int i = 0; i < 20; i++) {
            assertThat(fixture.client().get("/").status()).isEqualTo(200);
        }
        TestClient extra = fixture.client();
        extra.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(extra.read().status()).isEqualTo(503);
    }

    @Test
    void anUnreachableBackendIs502() throws Exception {
        web.kill();
        TestClient.Response r = fixture.client().get("/api/x");
        assertThat(r.status()).isIn(502, 503);
        assertThat(r.body()).contains("route 'api'");
    }
}
