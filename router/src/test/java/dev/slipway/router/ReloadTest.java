package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadTest {
    @TempDir
    Path dir;

    TestBackend a;
    TestBackend b;
    RouterFixture fixture;

    @BeforeEach
    void start() {
        a = new TestBackend("A");
        b = new TestBackend("B");
        fixture = new RouterFixture(dir, config("one", "5s"));
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
        a.close();
        b.close();
    }

    String config(String backend, String timeout) {
        return RouterFixture.header() + """
                backends:
                  one:
                    clusters: [{name: east, endpoints: [%s]}]
                  two:
                    clusters: [{name: east, endpoints: [%s]}]
                routes:
                  - name: web
                    backend: %s
                    timeout: %s
                """.formatted(a.address(), b.address(), backend, timeout);
    }

    @Test
    void editingTheFileUnderLoadSwitchesTrafficAndDropsNothing() throws Exception {
        try (LoadGenerator load = new LoadGenerator(fixture.router.address(), 4, "/")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.answeredBy("A") > 50);
            for (int round = 0; round < 6; round++) {
                boolean toB = round % 2 == 0;
                fixture.write(config(toB ? "two" : "one", (round + 1) + "s"));
                String expected = toB ? "B" : "A";
                int before = load.answeredBy(expected);
                await().atMost(Duration.ofSeconds(5)).until(() -> load.answeredBy(expected) > before + 50);
            }
            assertThat(load.failures).as("requests failed during reloads").isEmpty();
        }
    }

    @Test
    void anInvalidConfigIsReportedWithItsLineAndTheLastGoodOneKeepsServing() {
        TestClient client = fixture.client();
        assertThat(client.get("/").body()).isEqualTo("A");
        fixture.write(config("three", "5s"));
        Router.ReloadOutcome outcome = fixture.router.reload();
        assertThat(outcome.applied()).isFalse();
        assertThat(outcome.problems()).singleElement().satisfies(p -> {
            assertThat(p.where()).isEqualTo(fixture.configFile + ":10 (routes.0.backend)");
            assertThat(p.what()).contains("backend 'three' is not defined");
        });
        assertThat(client.get("/").body()).isEqualTo("A");
        TestClient admin = fixture.admin();
        assertThat(admin.get("/config").body()).contains("backend 'three' is not defined");
        assertThat(admin.get("/metrics").body()).contains("slipway_router_config_reloads_total{result=\"rejected\"}");

        fixture.write(config("one", "0s"));
        assertThat(fixture.router.reload().problems())
                .singleElement()
                .satisfies(p -> assertThat(p.what()).contains("more than 0"));
        fixture.write(config("two", "5s"));
        assertThat(fixture.router.reload().applied()).isTrue();
        assertThat(client.get("/").body()).isEqualTo("B");
    }

    @Test
    void theAdminReloadEndpointReportsProblems() {
        fixture.write("routes: [");
        TestClient admin = fixture.admin();
        TestClient.Response r = admin.post("/reload", "");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.body()).contains("not valid YAML");
        assertThat(fixture.client().get("/").body()).isEqualTo("A");
    }

    @Test
    void drainingAnswersHealthChecks503AndClosesIdleConnections() {
        TestClient client = fixture.client();
        assertThat(client.get("/").status()).isEqualTo(200);
        fixture.router.drain(Duration.ofSeconds(5)).join();
        assertThat(client.closedByServer()).isTrue();
        assertThat(fixture.admin().get("/healthz").status()).isEqualTo(503);
    }
}
