package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.deploy.ClusterTarget;
import dev.slipway.core.deploy.ClusterTargets;
import dev.slipway.core.render.SecretSource;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.store.LabState;
import dev.slipway.store.Store;
import dev.slipway.store.StoreConfig;
import dev.slipway.testkit.TestClusters;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Other servers mark a server's running deploys interrupted once its liveness lease expires, so renewing it must
 * not wait for anything else, and a server that cannot renew must stop taking work.
 */
class ServerLivenessTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(100);

    @TempDir
    Path root;

    @Test
    void theLeaseIsRenewedOnTimeWhileAReaperSweepIsStuckOnACluster() throws Exception {
        try (TestClusters clusters = TestClusters.start("east-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            ServerConfig config =
                    fixture.config("stuck").withHeartbeat(HEARTBEAT).withReaperInterval(Duration.ofMillis(50));
            BlockingTargets targets =
                    new BlockingTargets(KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())));
            try (SlipwayServer server = SlipwayServer.start(config, fixture.clock, targets, SecretSource.REDACTED)) {
                ApiClient api = new ApiClient(server.url(), ServerFixture.adminToken(config));
                long labId = openLab(api, fixture);

                // The lab expires; the next sweep gets stuck on the cluster and holds the reaper thread.
                targets.block.set(true);
                fixture.clock.add(Duration.ofHours(3));
                assertThat(targets.entered.await(30, TimeUnit.SECONDS))
                        .as("a sweep reached the cluster")
                        .isTrue();

                // Past the lease's expiry on the store's clock: only a renewal made after this brings it back.
                fixture.clock.add(Duration.ofMinutes(5));
                String lease = "server:" + config.serverId();
                await().atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> server.store().leases().holder(lease).isPresent());
                assertThat(targets.release.getCount())
                        .as("the sweep is still stuck")
                        .isOne();
                assertThat(server.store().labs().find(labId).orElseThrow().state())
                        .isNotEqualTo(LabState.DELETED);
                assertThat(api.get("/health").status()).isEqualTo(200);

                targets.block.set(false);
                targets.release.countDown();
                await().atMost(Duration.ofSeconds(30))
                        .until(() ->
                                server.store().labs().find(labId).orElseThrow().state() == LabState.DELETED);
            } finally {
                targets.release.countDown();
            }
        }
    }

    @Test
    void aServerThatLosesItsLeaseStopsClaimingDeploysAndSaysSoUntilItHasItAgain() throws Exception {
        try (TestClusters clusters = TestClusters.start("east-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            ServerConfig config = fixture.config("lost").withHeartbeat(HEARTBEAT);
            try (SlipwayServer server = fixture.start(config)) {
                ApiClient api = new ApiClient(server.url(), ServerFixture.adminToken(config));
                assertThat(api.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}")
                                .status())
                        .isEqualTo(201);

                // The lease ran out (by the store's clock) and someone else holds it now.
                String lease = "server:" + config.serverId();
                fixture.clock.add(Duration.ofMinutes(5));
                assertThat(server.store().leases().tryAcquire(lease, "intruder", Duration.ofHours(1)))
                        .isTrue();
                await().atMost(Duration.ofSeconds(5)).until(() -> !server.healthy());
                ApiClient.Reply health = api.get("/health");
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.body()).contains("liveness lease not renewed");

                long id = api.post("/api/apps/shop/environments/production/deploys", "{\"ref\": \"v1\"}")
                        .json()
                        .get("id")
                        .asLong();
                await().during(Duration.ofSeconds(1))
                        .atMost(Duration.ofSeconds(3))
                        .until(() -> state(api, id).equals("queued"));

                server.store().leases().release(lease, "intruder");
                await().atMost(Duration.ofSeconds(5)).until(server::healthy);
                assertThat(api.get("/health").status()).isEqualTo(200);
                JsonNode done = api.awaitDeploy(id);
                assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("succeeded");
            }
        }
    }

    @Test
    void aDatabaseThatStopsAnsweringCountsAsALostLease() {
        Store store = Store.open(StoreConfig.h2File(root.resolve("db/store")), Clock.systemUTC());
        ServerLiveness liveness =
                new ServerLiveness(store.leases(), "a", HEARTBEAT, HEARTBEAT.multipliedBy(3), Clock.systemUTC());

        assertThat(liveness.renewNow()).isTrue();
        assertThat(liveness.healthy()).isTrue();

        store.close();
        assertThat(liveness.renewNow()).isFalse();
        assertThat(liveness.healthy()).isFalse();
        assertThat(liveness.lastProblem()).startsWith("the database did not answer");
        liveness.close();
    }

    private static String state(ApiClient api, long id) {
        return api.get("/api/deploys/" + id).json().get("state").asText();
    }

    private static long openLab(ApiClient api, ServerFixture fixture) {
        api.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\", \"labTtl\": \"2h\"}");
        api.post(
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \"" + ServerFixture.SHA_GREEN
                        + "\", \"context\": \"ci\", \"state\": \"success\"}");
        JsonNode up = api.post(
                        "/api/apps/shop/labs", "{\"branch\": \"pr-1\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\"}")
                .json();
        long deploy = up.get("deploy").get("id").asLong();
        JsonNode done = api.awaitDeploy(deploy);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("succeeded");
        return up.get("lab").get("id").asLong();
    }

    /** Clusters that, while {@code block} is set, hold whoever opens one until {@code release}. */
    private static final class BlockingTargets implements ClusterTargets {
        final ClusterTargets delegate;
        final AtomicBoolean block = new AtomicBoolean();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        BlockingTargets(ClusterTargets delegate) {
            this.delegate = delegate;
        }

        @Override
        public ClusterTarget open(dev.slipway.core.cluster.Cluster cluster) {
            if (block.get()) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("stopped while blocked", e);
                }
            }
            return delegate.open(cluster);
        }
    }
}
