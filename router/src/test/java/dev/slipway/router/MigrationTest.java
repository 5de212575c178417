package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

class MigrationTest {
    @TempDir
    Path dir;

    TestBackend old;
    TestBackend next;
    MutableClock clock = MutableClock.of(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
    RouterFixture fixture;

    @BeforeEach
    void start() {
        old = new TestBackend("A");
        next = new TestBackend("B");
        fixture = new RouterFixture(dir, config("optin"), clock);
    }

    String config(String stage) {
        return RouterFixture.header() + """
                backends:
                  shop-v1:
                    clusters: [{name: east, endpoints: [%s]}]
                  shop-v2:
                    clusters: [{name: east, endpoints: [%s]}]
                routes:
                  - name: shop
                    backend: shop-v1
                    migration:
                      to: shop-v2
                      stage: %s
                """.formatted(old.address(), next.address(), stage);
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
        old.close();
        next.close();
    }

    @Test
    void optInSendsOnlyClientsWithTheCookieOrHeaderToTheNewBackend() {
        TestClient client = fixture.client();
        assertThat(client.get("/").body()).isEqualTo("A");
        assertThat(client.get("/", "Cookie: theme=dark; slipway-optin=shop").body())
                .isEqualTo("B");
        assertThat(client.get("/", "Cookie: slipway-optin=*").body()).isEqualTo("B");
        assertThat(client.get("/", "Cookie: slipway-optin=other-route").body()).isEqualTo("A");
        TestClient.Response optedIn = client.get("/", "X-Slipway-Optin: shop");
        assertThat(optedIn.body()).isEqualTo("B");
        assertThat(optedIn.header("x-got-x-slipway-optin"))
                .as("the opt-in header is the router's: never forwarded")
                .isEqualTo("null");
        assertThat(client.get("/", "Cookie: not-slipway-optin=shop").body()).isEqualTo("A");
    }

    @Test
    void rpsStageCapsTheNewBackendWithinTenPercent() {
        fixture.router.changeStage("shop", Stage.requestsPerSecond(20));
        TestClient client = fixture.client();
        int toB = 0;
        // 2,000 requests over 20 simulated seconds: 400 may go to B.
        for (int i = 0; i < 2000; i++) {
            clock.add(Duration.ofMillis(10));
            if (client.get("/").body().equals("B")) {
                toB++;
            }
        }
        assertThat(toB).isBetween(360, 440);
    }

    @Test
    void percentStageSplitsTenThousandClientsWithinThreePercentAndEachStaysOnItsSide() throws Exception {
        fixture.router.changeStage("shop", Stage.percent(30));
        AtomicInteger toB = new AtomicInteger();
        AtomicReference<String> bCookie = new AtomicReference<>();
        AtomicReference<String> aCookie = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            done.add(pool.submit(() -> {
                try (TestClient client = new TestClient(fixture.router.address())) {
                    for (int i = 0; i < 2500; i++) {
                        TestClient.Response r = client.get("/");
                        String cookie = r.header("set-cookie");
                        assertThat(cookie)
                                .as("a new client gets a sticky bucket")
                                .startsWith("slipway-bucket=");
                        if (r.body().equals("B")) {
                            toB.incrementAndGet();
                            bCookie.compareAndSet(null, cookie.split(";")[0]);
                        } else {
                            aCookie.compareAndSet(null, cookie.split(";")[0]);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        assertThat(toB.get()).isBetween(2700, 3300);
        TestClient client = fixture.client();
        for (int i = 0; i < 50; i++) {
            assertThat(client.get("/", "Cookie: " + bCookie.get()).body()).isEqualTo("B");
            TestClient.Response a = client.get("/", "Cookie: " + aCookie.get());
            assertThat(a.body()).isEqualTo("A");
            assertThat(a.header("set-cookie"))
                    .as("a known client keeps its bucket")
                    .isNull();
        }
    }

    @Test
    void stageChangesTakeEffectOnTheNextRequestAndCanBeRolledBack() {
        TestClient client = fixture.client();
        fixture.router.changeStage("shop", Stage.full());
        assertThat(client.get("/").body()).isEqualTo("B");
        fixture.router.changeStage("shop", Stage.parse("rollback").orElseThrow());
        assertThat(client.get("/").body()).isEqualTo("A");
        assertThat(client.get("/", "X-Slipway-Optin: shop").body()).isEqualTo("A");
    }

    @Test
    void theAdminApiChangesStagesAndReportsThem() {
        TestClient admin = fixture.admin();
        TestClient.Response r = admin.post("/routes/shop/stage", "full");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("\"stage\" : \"full\"");
        assertThat(fixture.client().get("/").body()).isEqualTo("B");
        assertThat(admin.post("/routes/shop/stage", "sideway").status()).isEqualTo(400);
        assertThat(admin.get("/config").body()).contains("\"stage\" : \"full\"");
        assertThat(admin.get("/metrics").body()).contains("slipway_router_stage{route=\"shop\",stage=\"full\"} 1.0");
    }

    @Test
    void aStageSetThroughTheApiSurvivesReloadsUntilTheFileChangesThatStage() {
        fixture.router.changeStage("shop", Stage.full());
        assertThat(fixture.router.reload().applied()).isTrue();
        assertThat(fixture.router.stage("shop")).isEqualTo(Stage.full());
        fixture.write(config("percent 5"));
        assertThat(fixture.router.reload().applied()).isTrue();
        assertThat(fixture.router.stage("shop")).isEqualTo(Stage.percent(5));
    }

    @Test
    void routesWithoutMigrationHaveNoStages() {
        assertThatThrownBy(() -> fixture.router.changeStage("nope", Stage.full()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("no route named 'nope'");
    }
}
