package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import dev.slipway.testkit.TrackServices;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Service watch on a mock API server: node ports per service and track, followed live, stale when cut off. */
class ServiceWatchTest {
    TestClusters clusters;
    MockCluster east;
    ServiceWatch watch;
    final AtomicReference<ServiceWatch.State> state = new AtomicReference<>();

    @BeforeEach
    void start() {
        clusters = TestClusters.start("east-1");
        east = clusters.cluster("east-1");
    }

    @AfterEach
    void stop() {
        if (watch != null) {
            watch.close();
        }
        clusters.close();
    }

    void watch() {
        watch = KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig()))
                .watchServices(
                        new Cluster("east-1", "east-1", "east", List.of("127.0.0.1"), 1),
                        "shop",
                        "shop",
                        "production",
                        state::set);
    }

    @Test
    void reportsNodePortsPerServiceAndTrackAndFollowsChanges() {
        TrackServices.put(east, "shop", "shop", "production", "web", "stable", 30080);
        // the in-place ClusterIP Service of the same app and environment has no nodePort: not routable
        east.client()
                .services()
                .inNamespace("shop")
                .resource(new io.fabric8.kubernetes.api.model.ServiceBuilder()
                        .withNewMetadata()
                        .withName("web")
                        .withLabels(Map.of("slipway.dev/app", "shop", "slipway.dev/env", "production"))
                        .endMetadata()
                        .withNewSpec()
                        .withType("ClusterIP")
                        .addNewPort()
                        .withName("http")
                        .withPort(8080)
                        .endPort()
                        .endSpec()
                        .build())
                .create();
        // another environment's and another app's Services (in other namespaces, or the same) are not ours
        TrackServices.put(east, "shop-staging", "shop", "staging", "web", "stable", 30081);
        TrackServices.put(east, "shop", "other", "production", "api", "stable", 30082);
        watch();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> state.get() != null && state.get().synced());
        assertThat(state.get().nodePorts()).isEqualTo(Map.of("web", Map.of("stable", 30080)));
        assertThat(state.get().staleSince()).isEmpty();

        TrackServices.put(east, "shop", "shop", "production", "web", "canary", 30090);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> state.get().nodePorts().equals(Map.of("web", Map.of("stable", 30080, "canary", 30090))));

        TrackServices.put(east, "shop", "shop", "production", "web", "stable", 30085);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> state.get().nodePorts().equals(Map.of("web", Map.of("stable", 30085, "canary", 30090))));

        TrackServices.delete(east, "shop", "web", "canary");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> state.get().nodePorts().equals(Map.of("web", Map.of("stable", 30085))));
    }

    @Test
    void anApiServerThatStopsMakesTheStateStaleKeepingTheLastPorts() {
        TrackServices.put(east, "shop", "shop", "production", "web", "stable", 30080);
        watch();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> state.get() != null && state.get().synced());

        east.stop();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> state.get().staleSince().isPresent());
        assertThat(state.get().nodePorts()).isEqualTo(Map.of("web", Map.of("stable", 30080)));
        assertThat(state.get().problem()).isNotEmpty();
    }

    @Test
    void anUnreachableClusterStartsStaleAndUnsynced() {
        east.stop();
        watch();
        await().atMost(Duration.ofSeconds(10)).until(() -> state.get() != null);
        assertThat(state.get().synced()).isFalse();
        assertThat(state.get().staleSince()).isPresent();
    }
}
