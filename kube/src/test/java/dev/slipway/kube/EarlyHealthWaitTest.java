package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.deploy.ApplyResult;
import dev.slipway.core.deploy.ClusterTarget;
import dev.slipway.core.deploy.HealthOutcome;
import dev.slipway.core.deploy.HealthState;
import dev.slipway.core.deploy.HealthWait;
import dev.slipway.testkit.TestClusters;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A health wait begun before the apply ({@code watchHealth}, as the engine calls it): a healthy version from
 * before the apply must not count for the applied one, and an object already healthy when the writes end is done
 * at once.
 */
class EarlyHealthWaitTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static TestClusters clusters;
    static ClusterTarget target;

    @BeforeAll
    static void startClusters() {
        clusters = TestClusters.start("east-1");
        target = KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig()))
                .open(new Cluster("east-1", "east-1", "east", List.of(), 1));
    }

    @AfterAll
    static void stopClusters() {
        target.close();
        clusters.close();
    }

    static ObjectNode deployment(String name, String image) throws Exception {
        ObjectNode d = (ObjectNode) YAML.readTree(TestApp.deployment(name, 1, image));
        d.with("metadata").put("namespace", "early");
        return d;
    }

    static ObjectNode healthyLive(String name, String image) throws Exception {
        target.ensureNamespace("early", java.util.Map.of());
        assertThat(target.apply(deployment(name, image), false)).isInstanceOf(ApplyResult.Applied.class);
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        target.health(List.of(deployment(name, image))).get(0).state() == HealthState.HEALTHY);
        return deployment(name, image);
    }

    @Test
    void aHealthyVersionSeenBeforeTheApplyDoesNotCountForTheAppliedOne() throws Exception {
        healthyLive("stale", "acme/web:1");
        ObjectNode changed = deployment("stale", "acme/web:hang"); // the stand-in controller never readies it

        try (HealthWait wait = target.watchHealth(List.of(changed), h -> {})) {
            // The informers are up and see generation 1, healthy, before this apply lands.
            ApplyResult result = target.apply(changed, false);
            wait.applied(((ApplyResult.Applied) result).live());
            HealthOutcome outcome = wait.await(Duration.ofSeconds(2));

            assertThat(outcome).isInstanceOf(HealthOutcome.TimedOut.class);
        }
    }

    @Test
    void anObjectAlreadyHealthyWhenTheWritesEndIsDoneAtOnce() throws Exception {
        ObjectNode same = healthyLive("ready", "acme/web:1");

        try (HealthWait wait = target.watchHealth(List.of(same), h -> {})) {
            ApplyResult result = target.apply(same, false); // unchanged spec: same generation, already observed
            wait.applied(((ApplyResult.Applied) result).live());
            long started = System.nanoTime();
            HealthOutcome outcome = wait.await(Duration.ofSeconds(20));

            assertThat(outcome).isInstanceOf(HealthOutcome.AllHealthy.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }
}
