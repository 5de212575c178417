package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.deploy.RollbackTo;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.revision.RevisionSummary;
import dev.slipway.core.rollout.Track;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.testkit.MockCluster;
import dev.slipway.testkit.TestClusters;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/**
 * An environment with a rollout, deployed through the real fabric8 backend: the first deploy brings up stable
 * with a NodePort Service per track's service, a later one the canary beside it, and promote and abort move the
 * tracks as the rollout controller asks.
 */
class CanaryTracksTest {
    static TestClusters clusters;
    static DeployEngine engine;
    static MutableClock clock = MutableClock.of(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path root;

    @BeforeAll
    static void startClusters() {
        clusters = TestClusters.start("east", "west");
        engine = new DeployEngine(KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())), clock);
    }

    @AfterAll
    static void stopClusters() {
        clusters.close();
    }

    static DeployOptions options(String ref) {
        return DeployOptions.by("alice").withRef(ref).withTimeout(Duration.ofSeconds(20));
    }

    /** Renders {@code app} at {@code image} with its settings ConfigMap at {@code setting}. */
    Rendering render(String app, String image, String setting) throws IOException {
        Path dir = root.resolve(app);
        Files.createDirectories(dir.resolve("kubernetes"));
        Files.writeString(dir.resolve("slipway.yaml"), """
                app: %1$s
                manifests: kubernetes/
                environments:
                  production:
                    group: production
                    namespace: %1$s
                    rollout:
                      steps: [optin, {percent: 10, for: 1m}, full]
                      analysis: {interval: 10s, minRequests: 10, maxErrorRate: 1%%, maxP99: 800ms}
                services:
                  - name: web
                    image: %2$s
                    port: 8080
                    health: /healthz
                    replicas: 2
                """.formatted(app, image));
        Files.writeString(dir.resolve("kubernetes/settings.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings}
                data: {greeting: %s}
                """.formatted(setting));
        Path clustersFile = dir.resolve("clusters.yaml");
        Files.writeString(clustersFile, clusters.clustersFile("production", false));
        return new Renderer(SecretSource.REDACTED)
                .render(AppLoader.load(dir), "production", ClustersConfigLoader.load(clustersFile));
    }

    static DeployReport deploy(Rendering rendering, String ref) {
        return engine.deploy(rendering, options(ref), DeployListener.NONE);
    }

    static Deployment deployment(MockCluster cluster, String namespace, String name) {
        return cluster.client()
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    static Service service(MockCluster cluster, String namespace, String name) {
        return cluster.client().services().inNamespace(namespace).withName(name).get();
    }

    static String image(MockCluster cluster, String namespace, String name) {
        return deployment(cluster, namespace, name)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getImage();
    }

    static String setting(MockCluster cluster, String namespace) {
        return cluster.client()
                .configMaps()
                .inNamespace(namespace)
                .withName("settings")
                .get()
                .getData()
                .get("greeting");
    }

    static int nodePort(MockCluster cluster, String namespace, String name) {
        return service(cluster, namespace, name).getSpec().getPorts().get(0).getNodePort();
    }

    static List<RevisionSummary> history(Rendering rendering, String cluster) {
        return engine.history(EnvironmentTarget.of(rendering)).stream()
                .filter(h -> h.cluster().equals(cluster))
                .findFirst()
                .orElseThrow()
                .revisions();
    }

    @Test
    void firstDeployRunsStableAloneReachableThroughANodePortService() throws IOException {
        Rendering first = render("first", "acme/web:1", "hello");

        DeployReport report = deploy(first, "v1");

        assertThat(report.succeeded()).isTrue();
        assertThat(report.clusters()).allSatisfy(c -> assertThat(c.track()).contains(Track.STABLE));
        assertThat(report.canaryClusters()).isEmpty();
        for (MockCluster cluster : clusters.all()) {
            Deployment web = deployment(cluster, "first", "web");
            assertThat(web.getMetadata().getLabels()).containsEntry(Track.LABEL, "stable");
            assertThat(web.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Track.LABEL, "stable");
            assertThat(deployment(cluster, "first", "web-canary")).isNull();
            // Callers inside the cluster reach stable only; the routers reach it on every node's port.
            assertThat(service(cluster, "first", "web").getSpec().getSelector()).containsEntry(Track.LABEL, "stable");
            Service stable = service(cluster, "first", "web-stable");
            assertThat(stable.getSpec().getType()).isEqualTo("NodePort");
            assertThat(stable.getMetadata().getLabels())
                    .containsEntry("slipway.dev/service", "web")
                    .containsEntry(Track.LABEL, "stable");
            assertThat(stable.getSpec().getPorts().get(0).getNodePort()).isBetween(30000, 32767);
            assertThat(service(cluster, "first", "web-canary")).isNull();
        }
        assertThat(history(first, "east"))
                .singleElement()
                .satisfies(r -> assertThat(r.track()).contains(Track.STABLE));
    }

    @Test
    void aNewRevisionRunsAsCanaryBesideStableWhichKeepsServing() throws IOException {
        deploy(render("beside", "acme/web:1", "hello"), "v1");
        int stablePort = nodePort(clusters.cluster("east"), "beside", "web-stable");
        Rendering second = render("beside", "acme/web:2", "hello");

        DeployReport report = deploy(second, "v2");

        assertThat(report.succeeded()).isTrue();
        assertThat(report.canaryClusters()).containsExactly("east", "west");
        for (MockCluster cluster : clusters.all()) {
            assertThat(image(cluster, "beside", "web")).isEqualTo("acme/web:1");
            assertThat(image(cluster, "beside", "web-canary")).isEqualTo("acme/web:2");
            Deployment canary = deployment(cluster, "beside", "web-canary");
            assertThat(canary.getSpec().getSelector().getMatchLabels()).containsEntry(Track.LABEL, "canary");
            assertThat(canary.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Track.LABEL, "canary");
            Service canaryService = service(cluster, "beside", "web-canary");
            assertThat(canaryService.getSpec().getSelector()).containsEntry(Track.LABEL, "canary");
            assertThat(canaryService.getSpec().getPorts().get(0).getNodePort())
                    .isBetween(30000, 32767)
                    .isNotEqualTo(nodePort(cluster, "beside", "web-stable"));
        }
        assertThat(nodePort(clusters.cluster("east"), "beside", "web-stable")).isEqualTo(stablePort);
        assertThat(history(second, "east"))
                .extracting(RevisionSummary::number, r -> r.track().orElseThrow())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(2, Track.CANARY),
                        org.assertj.core.groups.Tuple.tuple(1, Track.STABLE));

        clusters.all().forEach(MockCluster::clearWrites);
        DeployReport again = deploy(second, "v2");

        assertThat(again.unchanged()).isTrue();
        clusters.all()
                .forEach(
                        c -> assertThat(c.writes()).as("writes to %s", c.name()).isEmpty());
    }

    @Test
    void promotingMovesStableToTheCanarysRevisionThenTheCanaryGoes() throws IOException {
        deploy(render("promoted", "acme/web:1", "hello"), "v1");
        Rendering second = render("promoted", "acme/web:2", "bonjour");
        deploy(second, "v2");
        EnvironmentTarget env = EnvironmentTarget.of(second);
        int stablePort = nodePort(clusters.cluster("west"), "promoted", "web-stable");

        engine.promoteStable(env, "west", options("v2"));

        MockCluster west = clusters.cluster("west");
        assertThat(image(west, "promoted", "web")).isEqualTo("acme/web:2");
        assertThat(image(west, "promoted", "web-canary"))
                .as("still serving until traffic left it")
                .isEqualTo("acme/web:2");
        assertThat(image(clusters.cluster("east"), "promoted", "web"))
                .as("one cluster at a time")
                .isEqualTo("acme/web:1");
        assertThat(history(second, "west").get(0)).satisfies(r -> {
            assertThat(r.track()).contains(Track.STABLE);
            assertThat(r.ref()).isEqualTo("v2");
            assertThat(r.number()).isEqualTo(3);
        });

        engine.promoteStable(env, "west", options("v2"));
        assertThat(history(second, "west"))
                .as("promoting again changes nothing")
                .hasSize(3);

        engine.removeCanary(env, "west");
        engine.removeCanary(env, "west");

        assertThat(deployment(west, "promoted", "web-canary")).isNull();
        assertThat(service(west, "promoted", "web-canary")).isNull();
        assertThat(nodePort(west, "promoted", "web-stable")).isEqualTo(stablePort);
        assertThat(setting(west, "promoted")).isEqualTo("bonjour");
        assertThat(deployment(clusters.cluster("east"), "promoted", "web-canary"))
                .isNotNull();
    }

    @Test
    void abortingRemovesTheCanaryAndPutsSharedObjectsBack() throws IOException {
        deploy(render("aborted", "acme/web:1", "hello"), "v1");
        Rendering second = render("aborted", "acme/web:2", "bonjour");
        deploy(second, "v2");
        assertThat(setting(clusters.cluster("east"), "aborted")).isEqualTo("bonjour");
        EnvironmentTarget env = EnvironmentTarget.of(second);

        engine.abortCanary(env, "east", options("v2"));
        engine.abortCanary(env, "east", options("v2"));

        MockCluster east = clusters.cluster("east");
        assertThat(deployment(east, "aborted", "web-canary")).isNull();
        assertThat(service(east, "aborted", "web-canary")).isNull();
        assertThat(image(east, "aborted", "web")).isEqualTo("acme/web:1");
        assertThat(setting(east, "aborted")).isEqualTo("hello");
        assertThat(history(second, "east")).hasSize(3).first().satisfies(r -> {
            assertThat(r.track()).contains(Track.STABLE);
            assertThat(r.rollbackOf()).hasValue(1);
        });

        DeployReport retried = deploy(second, "v2");
        assertThat(retried.canaryClusters())
                .as("a canary again, east only: west still runs it")
                .containsExactly("east");
        assertThat(image(east, "aborted", "web-canary")).isEqualTo("acme/web:2");
    }

    @Test
    void aCanaryThatNeverBecomesHealthyIsRemovedAndStableUntouched() throws IOException {
        deploy(render("broken", "acme/web:1", "hello"), "v1");

        // Never ready, never failed: the health timeout ends the wait.
        DeployReport report = engine.deploy(
                render("broken", "acme/web:hang", "bonjour"),
                options("v2").withTimeout(Duration.ofSeconds(2)),
                DeployListener.NONE);

        assertThat(report.succeeded()).isFalse();
        ClusterResult east = report.cluster("east").orElseThrow();
        assertThat(east.track()).contains(Track.CANARY);
        assertThat(east.failure().orElseThrow().message()).startsWith("the canary never became healthy");
        assertThat(east.failure().orElseThrow().hint()).contains("the canary was removed");
        assertThat(report.cluster("west").orElseThrow().outcome()).isEqualTo(ClusterResult.Outcome.NOT_STARTED);
        MockCluster cluster = clusters.cluster("east");
        assertThat(deployment(cluster, "broken", "web-canary")).isNull();
        assertThat(service(cluster, "broken", "web-canary")).isNull();
        assertThat(image(cluster, "broken", "web")).isEqualTo("acme/web:1");
        assertThat(setting(cluster, "broken")).isEqualTo("hello");
    }

    @Test
    void aCanaryFailingOnALaterClusterTakesTheEarlierClustersCanariesAwayToo() throws IOException {
        deploy(render("halted", "acme/web:1", "hello"), "v1");
        clusters.cluster("west").outcomes(o -> dev.slipway.testkit.WorkloadOutcome.HANG);
        List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        DeployReport report;
        try {
            report = engine.deploy(
                    render("halted", "acme/web:2", "bonjour"),
                    options("v2").withTimeout(Duration.ofSeconds(2)),
                    new DeployListener() {
                        @Override
                        public void progress(String cluster, String line) {
                            progress.add(cluster + ": " + line);
                        }
                    });
        } finally {
            clusters.cluster("west").outcomes(dev.slipway.testkit.WorkloadOutcome.BY_ANNOTATION_OR_IMAGE);
        }

        assertThat(report.succeeded()).isFalse();
        assertThat(report.canaryClusters())
                .as("no canary is left without a rollout")
                .isEmpty();
        assertThat(progress)
                .anySatisfy(line -> assertThat(line).startsWith("east: canary removed: the canary failed on west"));
        for (MockCluster cluster : clusters.all()) {
            assertThat(deployment(cluster, "halted", "web-canary"))
                    .as("canary on %s", cluster.name())
                    .isNull();
            assertThat(image(cluster, "halted", "web")).isEqualTo("acme/web:1");
            assertThat(setting(cluster, "halted")).isEqualTo("hello");
        }
    }

    @Test
    void rollingBackRestoresTheStableTrackAndRemovesAnyCanary() throws IOException {
        Rendering first = render("rewound", "acme/web:1", "hello");
        deploy(first, "v1");
        deploy(render("rewound", "acme/web:2", "hello"), "v2");

        DeployReport back =
                engine.rollback(EnvironmentTarget.of(first), RollbackTo.previous(), options("v1"), DeployListener.NONE);

        assertThat(back.succeeded()).isTrue();
        for (MockCluster cluster : clusters.all()) {
            assertThat(image(cluster, "rewound", "web")).isEqualTo("acme/web:1");
            assertThat(deployment(cluster, "rewound", "web-canary")).isNull();
            assertThat(service(cluster, "rewound", "web-canary")).isNull();
            assertThat(service(cluster, "rewound", "web-stable")).isNotNull();
        }
    }
}
