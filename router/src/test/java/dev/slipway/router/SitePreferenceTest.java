package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router told its site sends a backend's traffic to that site's clusters while one of them is healthy, and
 * to the other sites' clusters only when none is, whatever their weights.
 */
class SitePreferenceTest {
    @TempDir
    Path dir;

    @Test
    void trafficStaysAtTheRoutersSiteUntilNoClusterThereIsHealthy() throws Exception {
        try (TestBackend eastA = new TestBackend("east-a");
                TestBackend eastB = new TestBackend("east-b");
                TestBackend west = new TestBackend("west");
                RouterFixture fixture = new RouterFixture(
                        dir,
                        RouterFixture.header() + """
                        site: east
                        backends:
                          web:
                            healthCheck: {path: /healthz, interval: 100ms, timeout: 100ms, fall: 1, rise: 1}
                            clusters:
                              - {name: east-a, site: east, weight: 1, endpoints: [%s]}
                              - {name: east-b, site: east, weight: 1, endpoints: [%s]}
                              - {name: west-1, site: west, weight: 10, endpoints: [%s]}
                        routes:
                          - {name: web, backend: web}
                        """.formatted(eastA.address(), eastB.address(), west.address()))) {
            TestClient client = fixture.client();
            Map<String, Integer> answered = answers(client, 100);
            assertThat(answered).as("answers by backend").containsOnlyKeys("east-a", "east-b");

            eastA.kill();
            await().atMost(Duration.ofSeconds(2)).until(() -> !healthy(fixture.router, 0));
            assertThat(answers(client, 30))
                    .as("east-a down: the other east cluster")
                    .containsOnlyKeys("east-b");

            eastB.kill();
            await().atMost(Duration.ofSeconds(2)).until(() -> !healthy(fixture.router, 1));
            assertThat(answers(client, 30))
                    .as("no east cluster left: the west one")
                    .containsOnlyKeys("west");

            assertThat(fixture.admin().get("/config").body())
                    .contains("\"site\" : \"east\"")
                    .contains("\"ownSite\" : false");
        }
    }

    @Test
    void withoutASiteEveryClusterSharesByWeight() throws Exception {
        try (TestBackend east = new TestBackend("east");
                TestBackend west = new TestBackend("west");
                RouterFixture fixture = new RouterFixture(
                        dir, RouterFixture.header() + """
                        backends:
                          web:
                            clusters:
                              - {name: east-1, site: east, weight: 1, endpoints: [%s]}
                              - {name: west-1, site: west, weight: 1, endpoints: [%s]}
                        routes:
                          - {name: web, backend: web}
                        """.formatted(east.address(), west.address()))) {
            assertThat(answers(fixture.client(), 100)).containsOnlyKeys("east", "west");
        }
    }

    private static Map<String, Integer> answers(TestClient client, int n) throws Exception {
        Map<String, Integer> answered = new HashMap<>();
        for (int i = 0; i < n; i++) {
            var r = client.get("/");
            assertThat(r.status()).isEqualTo(200);
            answered.merge(r.body(), 1, Integer::sum);
        }
        return answered;
    }

    private static boolean healthy(Router router, int cluster) {
        BackendPool web = ((NettyRouter) router).snapshot().backends.get("web");
        return web.clusterHealthy(web.clusters.get(cluster), System.nanoTime());
    }
}
