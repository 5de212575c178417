package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.deploy.ClusterGroupBackend;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentBackend;
import dev.slipway.core.deploy.EnvironmentRef;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.local.LocalEnvironments;
import dev.slipway.local.LogSink;
import dev.slipway.local.Supervision;
import dev.slipway.testkit.TestClusters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One caller, one lab lifecycle (deploy, redeploy, tear down) through {@link EnvironmentBackend}, run against both
 * implementations: the caller never asks where the lab runs, and each backend shows the outcome where it runs it.
 */
class EnvironmentBackendTest {

    @TempDir
    Path root;

    /** What the deploy runner and the reaper do with a lab, with nothing but the seam. */
    private record LabLifecycle(EnvironmentBackend backend) {
        List<DeployReport> deployTwiceThenTearDown(EnvironmentRef lab, App first, App second, List<String> heard) {
            DeployListener listener = new DeployListener() {
                @Override
                public void deploying(List<String> clusters) {
                    heard.add("deploying to " + String.join(", ", clusters));
                }

                @Override
                public void clusterFinished(ClusterResult result) {
                    heard.add(result.cluster() + ": " + result.outcome().label());
                }
            };
            DeployOptions options = DeployOptions.by("test").withTimeout(Duration.ofSeconds(30));
            DeployReport one = backend.deploy(lab, first, options, listener);
            DeployReport two = backend.deploy(lab, second, options, listener);
            heard.add(backend.tearDown(lab));
            return List.of(one, two);
        }
    }

    private App app(String name, String version) {
        Path dir = root.resolve(name);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("slipway.yaml"), """
                    app: shop
                    environments:
                      production: {group: production, namespace: shop}
                    services:
                      - name: web
                        image: shop/web:1
                        run: exec python3 -m http.server $PORT --bind 127.0.0.1
                        health: /
                        env: {VERSION: %s}
                    """.formatted(version));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return AppLoader.load(dir);
    }

    private static EnvironmentRef lab() {
        return EnvironmentRef.lab("shop", "lab-pr-7", Optional.of("production"), "shop-lab-pr-7", "pr-7");
    }

    @Test
    void onClustersTheLabIsANamespaceThatTearDownDeletes() throws IOException {
        try (TestClusters clusters = TestClusters.start("east-1", "west-1")) {
            Path clustersFile = root.resolve("clusters.yaml");
            Files.writeString(clustersFile, clusters.clustersFile("production", false));
            KubeClusterTargets targets = KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig()));
            EnvironmentBackend backend = new ClusterGroupBackend(
                    new Renderer((app, names) -> Map.of()),
                    () -> ClustersConfigLoader.load(clustersFile),
                    new DeployEngine(targets, Clock.systemUTC()),
                    targets);
            List<String> heard = new CopyOnWriteArrayList<>();

            List<DeployReport> reports =
                    new LabLifecycle(backend).deployTwiceThenTearDown(lab(), app("v1", "one"), app("v2", "two"), heard);

            assertThat(reports).allMatch(DeployReport::succeeded, "succeeded");
            assertThat(reports.get(1).cluster("west-1").orElseThrow().revision())
                    .hasValue(2);
            assertThat(heard)
                    .containsSubsequence(
                            "deploying to east-1, west-1",
                            "east-1: deployed",
                            "west-1: deployed",
                            "deploying to east-1, west-1",
                            "west-1: deployed",
                            "namespace shop-lab-pr-7 deleted");
            for (String cluster : List.of("east-1", "west-1")) {
                assertThat(clusters.cluster(cluster)
                                .client()
                                .namespaces()
                                .withName("shop-lab-pr-7")
                                .get())
                        .as(cluster)
                        .isNull();
            }
        }
    }

    @Test
    void onThisMachineTheLabIsProcessesBehindARouterThatTearDownStops() {
        List<String> heard = new CopyOnWriteArrayList<>();
        List<Long> pids = new CopyOnWriteArrayList<>();
        try (LocalEnvironments labs = LocalEnvironments.withRouter(
                new LocalEnvironments.Settings(
                        Supervision.DEFAULT,
                        Map.of("PATH", System.getenv("PATH")),
                        env -> (app, names) -> Map.of(),
                        env -> new LogSink() {
                            @Override
                            public void line(dev.slipway.local.ReplicaId replica, String text) {}
                        },
                        Clock.systemUTC()),
                0)) {
            EnvironmentBackend backend = new EnvironmentBackend() {
                // Watches which processes serve, then passes every call on untouched.
                @Override
                public DeployReport deploy(
                        EnvironmentRef environment, App app, DeployOptions options, DeployListener listener) {
                    DeployReport report = labs.deploy(environment, app, options, listener);
                    labs.running(environment).ifPresent(r -> r.local().status().forEach(s -> pids.add(s.pid())));
                    String answer = LocalLabsTest.get(labs.port(), "pr-7.shop.localhost");
                    heard.add("answers " + answer.substring(0, 3));
                    return report;
                }

                @Override
                public String tearDown(EnvironmentRef environment) {
                    return labs.tearDown(environment);
                }
            };

            List<DeployReport> reports =
                    new LabLifecycle(backend).deployTwiceThenTearDown(lab(), app("v1", "one"), app("v2", "two"), heard);

            assertThat(reports).allMatch(DeployReport::succeeded, "succeeded");
            assertThat(reports.get(1)
                            .cluster(EnvironmentBackend.LOCAL_CLUSTER)
                            .orElseThrow()
                            .revision())
                    .hasValue(2);
            assertThat(heard)
                    .containsSubsequence(
                            "deploying to local",
                            "local: deployed",
                            "answers 200",
                            "deploying to local",
                            "local: deployed",
                            "answers 200",
                            "local processes of namespace shop-lab-pr-7 stopped");
            assertThat(labs.running()).isEmpty();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> LocalLabsTest.get(labs.port(), "pr-7.shop.localhost")
                            .startsWith("404"));
            assertThat(pids)
                    .isNotEmpty()
                    .allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
                            .isEmpty());
        }
    }
}
