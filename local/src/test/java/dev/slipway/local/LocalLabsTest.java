package dev.slipway.local;

import static dev.slipway.local.LocalFixture.awaitGroupsGone;
import static dev.slipway.local.LocalFixture.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentBackend;
import dev.slipway.core.deploy.EnvironmentRef;
import dev.slipway.core.spec.App;
import dev.slipway.router.RouterConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules local labs follow wherever they run (beside slipway up or on a server without clusters): a first
 * deploy that does not become ready leaves nothing running and says so, a crash loop fails the deploy at once with
 * the replica's last output, and routes list only ready replicas on the lab's one host name.
 */
class LocalLabsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final LocalFixture.Captured logs = new LocalFixture.Captured();
    private final Set<Long> pids = ConcurrentHashMap.newKeySet();
    private LocalEnvironments labs;

    @AfterEach
    void stop() {
        if (labs != null) {
            labs.close();
        }
    }

    private LocalEnvironments routedBy() {
        LocalEnvironments.Settings settings = new LocalEnvironments.Settings(
                LocalFixture.FAST,
                Map.of("PATH", System.getenv("PATH")),
                env -> (app, names) -> Map.of(),
                env -> logs,
                Clock.systemUTC());
        labs = LocalEnvironments.routedBy(
                settings,
                env -> labs.running(env).ifPresent(r -> r.local().status().forEach(s -> pids.add(s.pid()))));
        return labs;
    }

    private static EnvironmentRef lab(String slug) {
        return EnvironmentRef.lab("demo", "lab-" + slug, Optional.empty(), "demo-lab-" + slug, slug);
    }

    private App app(String name, String services) {
        try {
            Path d = Files.createDirectories(dir.resolve(name));
            return LocalFixture.app(d, "demo", services);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static DeployOptions timeout(Duration timeout) {
        return DeployOptions.by("test").withTimeout(timeout);
    }

    @Test
    void aFirstDeployThatDoesNotBecomeReadyLeavesNothingRunningAndSaysSo() {
        App neverHealthy = app(
                "never",
                "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n"
                        + "    env: {HEALTH_FAILS: 'yes'}\n");
        LocalEnvironments labs = routedBy();
        List<String> progress = new CopyOnWriteArrayList<>();

        DeployReport report = labs.deploy(lab("x"), neverHealthy, timeout(Duration.ofSeconds(3)), new DeployListener() {
            @Override
            public void progress(String cluster, String line) {
                progress.add(cluster + ": " + line);
            }
        });

        assertThat(report.succeeded()).isFalse();
        ClusterResult local = report.cluster(EnvironmentBackend.LOCAL_CLUSTER).orElseThrow();
        assertThat(local.failure().orElseThrow().message())
                .startsWith("did not become ready, so it was stopped:")
                .contains("web");
        assertThat(labs.running(lab("x"))).isEmpty();
        assertThat(pids).isNotEmpty();
        awaitGroupsGone(pids);
        assertThat(logs.lines).anyMatch(l -> l.contains("lab x stopping: its first deploy did not become ready"));
        assertThat(progress).contains("local: rev 1 starting");
    }

    @Test
    void aCrashLoopFailsTheDeployAtOnceWithTheLastOutputInsteadOfWaitingOutTheTimeout() {
        App crashing =
                app("crash", "  - name: web\n    run: echo cannot open settings.toml; exit 3\n    health: /healthz\n");
        LocalEnvironments labs = routedBy();
        Duration timeout = Duration.ofSeconds(60);

        long started = System.nanoTime();
        DeployReport report = labs.deploy(lab("crash"), crashing, timeout(timeout), DeployListener.NONE);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(report.succeeded()).isFalse();
        assertThat(took).isLessThan(timeout.dividedBy(2));
        assertThat(report.failures().get(0).message())
                .contains("exited at once with code 3")
                .contains("last output: cannot open settings.toml");
        assertThat(labs.running(lab("crash"))).isEmpty();
    }

    @Test
    void aRedeployReplacesTheLabsReplicasAndTearDownStopsThem() {
        String web = "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    env: {GREETING: %s}\n";
        LocalEnvironments labs = routedBy();

        DeployReport first = labs.deploy(lab("y"), app("v1", web.formatted("one")), timeout(WAIT), DeployListener.NONE);
        assertThat(first.succeeded()).as(first.toString()).isTrue();
        assertThat(first.cluster("local").orElseThrow().revision()).hasValue(1);
        int port1 = labs.running(lab("y")).orElseThrow().local().status().get(0).port();
        assertThat(get(port1, "/env/GREETING")).isEqualTo("200 one");
        assertThat(get(port1, "/env/SLIPWAY_LAB")).isEqualTo("200 y");

        DeployReport second =
                labs.deploy(lab("y"), app("v2", web.formatted("two")), timeout(WAIT), DeployListener.NONE);
        assertThat(second.succeeded()).as(second.toString()).isTrue();
        assertThat(second.cluster("local").orElseThrow().revision()).hasValue(2);
        LocalEnvironments.Running running = labs.running(lab("y")).orElseThrow();
        assertThat(get(running.local().status().get(0).port(), "/env/GREETING")).isEqualTo("200 two");
        assertThat(running.directories()).containsExactly(dir.resolve("v2"));
        assertThat(labs.directoriesInUse()).containsExactly(dir.resolve("v2"));

        assertThat(labs.tearDown(lab("y"))).isEqualTo("local processes of namespace demo-lab-y stopped");
        assertThat(labs.running()).isEmpty();
        awaitGroupsGone(pids);
    }

    @Test
    void routesListOnlyReadyReplicasOnTheLabsHostBesideUpAndOnAServerAlike() {
        App main = app("main", "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n");
        App slow = app(
                "slow",
                "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n"
                        + "    env: {HEALTH_FAILS: 'yes'}\n");
        LocalApp.Options options = LocalFixture.options(logs, 1, Map.of());
        LocalApp.Options labOptions = new LocalApp.Options(
                "local",
                1,
                Optional.of("slow"),
                options.secrets(),
                options.baseEnvironment(),
                options.supervision(),
                logs,
                Clock.systemUTC());
        try (LocalApp app = LocalApp.start(main, 1, options, l -> {});
                LocalApp starting = LocalApp.start(slow, 1, labOptions, l -> {})) {
            app.awaitReady(WAIT);
            await().atMost(WAIT).until(() -> starting.status().get(0).port() != 0);
            String host = LocalRouting.labHost("demo", "slow");
            assertThat(host).isEqualTo("slow.demo.localhost");
            int startingPort = starting.status().get(0).port();

            RouterConfig besideUp = LocalRouting.config(
                    app, "127.0.0.1", 0, true, Optional.empty(), List.of(new LocalRouting.LabRoute("slow", starting)));
            RouterConfig onServer = LocalRouting.config(
                    "127.0.0.1", 0, List.of(new LocalRouting.HostedRun("demo-lab-slow", host, starting)));

            assertThat(hosts(besideUp)).doesNotContain(host);
            assertThat(endpoints(besideUp)).doesNotContain("127.0.0.1:" + startingPort);
            assertThat(hosts(onServer)).doesNotContain(host);
            assertThat(endpoints(onServer)).doesNotContain("127.0.0.1:" + startingPort);
        }
        App healthy = app("healthy", "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n");
        try (LocalApp app = LocalApp.start(main, 1, options, l -> {});
                LocalApp ready = LocalApp.start(healthy, 1, labOptions, l -> {})) {
            app.awaitReady(WAIT);
            ready.awaitReady(WAIT);
            String host = LocalRouting.labHost("demo", "slow");
            String endpoint = "127.0.0.1:" + ready.status().get(0).port();

            RouterConfig besideUp = LocalRouting.config(
                    app, "127.0.0.1", 0, true, Optional.empty(), List.of(new LocalRouting.LabRoute("slow", ready)));
            RouterConfig onServer = LocalRouting.config(
                    "127.0.0.1", 0, List.of(new LocalRouting.HostedRun("demo-lab-slow", host, ready)));

            assertThat(hosts(besideUp)).contains(host);
            assertThat(endpoints(besideUp)).contains(endpoint);
            assertThat(hosts(onServer)).contains(host);
            assertThat(endpoints(onServer)).contains(endpoint);
        }
    }

    private static List<String> hosts(RouterConfig config) {
        return config.routes().stream().flatMap(r -> r.host().stream()).toList();
    }

    private static List<String> endpoints(RouterConfig config) {
        return config.backends().values().stream()
                .flatMap(b -> b.clusters().stream())
                .flatMap(c -> c.endpoints().stream())
                .map(RouterConfig.Address::toString)
                .toList();
    }
}
