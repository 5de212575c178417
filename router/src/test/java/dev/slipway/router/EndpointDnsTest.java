package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Endpoints named by host name are looked up through DNS without holding up the event loop. */
class EndpointDnsTest {
    @TempDir
    Path dir;

    @Test
    void anEndpointHostNameIsResolvedThroughDns() throws Exception {
        try (TestBackend backend = new TestBackend("A");
                TestDnsServer dns = new TestDnsServer().knows("backend.slipway.test");
                RouterFixture fixture = new RouterFixture(
                        dir, RouterFixture.header() + """
                        backends:
                          web: {clusters: [{name: a, endpoints: [backend.slipway.test:%d]}]}
                        routes:
                          - {name: web, backend: web}
                        """.formatted(backend.port()), dns.provider())) {
            TestClient.Response r = fixture.client().get("/");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("A");
            assertThat(dns.queries.get()).isPositive();
        }
    }

    @Test
    void aLookupThatDoesNotAnswerHoldsUpOnlyItsOwnRequest() throws Exception {
        String threads = System.getProperty("slipway.router.threads");
        // One event loop: a blocking lookup there would hold up every connection.
        System.setProperty("slipway.router.threads", "1");
        try (TestBackend backend = new TestBackend("fast");
                TestDnsServer dns = new TestDnsServer().ignores("silent.slipway.test");
                RouterFixture fixture = new RouterFixture(
                        dir, RouterFixture.header() + """
                        backends:
                          slow: {clusters: [{name: a, endpoints: [silent.slipway.test:%d]}]}
                          fast: {clusters: [{name: a, endpoints: [127.0.0.1:%d]}]}
                        routes:
                          - {name: slow, pathPrefix: /slow, backend: slow, timeout: 2s}
                          - {name: fast, backend: fast}
                        """.formatted(backend.port(), backend.port()), dns.provider())) {
            TestClient slowClient = fixture.client();
            TestClient fastClient = fixture.client();
            CompletableFuture<TestClient.Response> slow = CompletableFuture.supplyAsync(() -> slowClient.get("/slow"));
            await().until(() -> dns.queries.get() > 0);

            TestClient.Response fast = fastClient.get("/");

            assertThat(fast.body()).isEqualTo("fast");
            assertThat(slow).as("the unanswered lookup is still pending").isNotDone();
            TestClient.Response timedOut = slow.get(10, TimeUnit.SECONDS);
            assertThat(timedOut.status()).isEqualTo(504);
        } finally {
            if (threads == null) {
                System.clearProperty("slipway.router.threads");
            } else {
                System.setProperty("slipway.router.threads", threads);
            }
        }
    }
}
