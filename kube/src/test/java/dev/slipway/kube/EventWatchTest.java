package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.deploy.ClusterEvent;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.EventBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Event watch on a mock API server: listed, followed, resumed after a version, re-listed on 410 Gone. */
class EventWatchTest {
    TestClusters clusters;
    MockCluster east;
    AutoCloseable watch;
    final List<ClusterEvent> seen = new CopyOnWriteArrayList<>();
    final AtomicReference<Optional<String>> problem = new AtomicReference<>();

    final ClusterEvent.Listener listener = new ClusterEvent.Listener() {
        @Override
        public void event(ClusterEvent event) {
            seen.add(event);
        }

        @Override
        public void reachable(String cluster, Optional<String> why) {
            problem.set(why);
        }
    };

    @BeforeEach
    void start() {
        clusters = TestClusters.start("east-1");
        east = clusters.cluster("east-1");
    }

    @AfterEach
    void stop() throws Exception {
        if (watch != null) {
            watch.close();
        }
        clusters.close();
    }

    void watch(Map<String, Optional<String>> namespaces) {
        watch = KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig()))
                .watchEvents(new Cluster("east-1", "east-1", "east", List.of("127.0.0.1"), 1), namespaces, listener)
                .orElseThrow();
    }

    String event(String namespace, String name, String pod, String reason, int count) {
        return east.client()
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
                        .withType("Warning")
                        .withMessage(reason + " of " + pod)
                        .withCount(count)
                        .withLastTimestamp("2026-12-01T10:00:00Z")
                        .build())
                .create()
                .getMetadata()
                .getResourceVersion();
    }

    List<String> reasons() {
        return seen.stream().map(e -> e.objectName() + ":" + e.reason()).toList();
    }

    @Test
    void listsTheNamespacesEventsThenFollowsNewOnesAndNoOtherNamespaces() {
        event("shop", "a", "web-1", "BackOff", 3);
        event("other", "b", "db-1", "Failed", 1);
        watch(Map.of("shop", Optional.empty()));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
        assertThat(seen.get(0)).satisfies(e -> {
            assertThat(e.cluster()).isEqualTo("east-1");
            assertThat(e.objectKind()).isEqualTo("Pod");
            assertThat(e.count()).isEqualTo(3);
            assertThat(e.type()).isEqualTo("Warning");
        });
        assertThat(problem.get()).isEmpty();
        event("shop", "c", "web-2", "Unhealthy", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
        assertThat(reasons()).containsExactly("web-1:BackOff", "web-2:Unhealthy");
        // the API server's aggregation raises a repeated event's count: reported with the difference
        var repeated =
                east.client().v1().events().inNamespace("shop").withName("c").get();
        repeated.setCount(4);
        east.client().v1().events().inNamespace("shop").resource(repeated).update();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 3);
        assertThat(seen.get(2).count()).isEqualTo(3);
    }

    @Test
    void resumesAfterTheGivenVersionWithoutRepeatingEarlierEvents() {
        event("shop", "a", "web-1", "BackOff", 1);
        String taken = event("shop", "b", "web-2", "Failed", 1);
        event("shop", "c", "web-3", "FailedMount", 1);
        watch(Map.of("shop", Optional.of(taken)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        event("shop", "d", "web-4", "Evicted", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
        assertThat(reasons()).containsExactly("web-3:FailedMount", "web-4:Evicted");
    }

    @Test
    void aWatchEndedWith410GoneIsListedAgainWithoutDuplicates() throws Exception {
        event("shop", "a", "web-1", "BackOff", 1);
        watch(Map.of("shop", Optional.empty()));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
        EventWatch events = (EventWatch) watch;
        await().atMost(Duration.ofSeconds(10)).until(() -> east.expireWatches() > 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.lists() >= 2);
        event("shop", "b", "web-2", "OOMKilling", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
        assertThat(reasons()).containsExactly("web-1:BackOff", "web-2:OOMKilling");
        assertThat(problem.get()).isEmpty();
    }

    @Test
    void anUnreachableClusterIsReportedAndRetried() {
        watch(Map.of("shop", Optional.empty()));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> problem.get() != null && problem.get().isEmpty());
        east.stop();
        await().atMost(Duration.ofSeconds(20)).until(() -> problem.get().isPresent());
        EventWatch events = (EventWatch) watch;
        int tried = events.attempts();
        assertThat(problem.get().get()).contains("shop");
        await().atMost(Duration.ofSeconds(20)).until(() -> events.attempts() >= tried + 2);
        assertThat(events.lists()).isEqualTo(1);
    }
}
