package dev.slipway.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.spec.App;
import dev.slipway.router.Router;
import dev.slipway.router.RouterConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local routing hands the router typed values: no YAML is written, and each change is applied once. */
class LocalRoutingTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    LocalFixture.Captured logs = new LocalFixture.Captured();

    @Test
    void aLocalRunIsRoutedFromTypedConfigAndAChangeIsAppliedOnce() {
        App app = LocalFixture.app(
                dir, "demo", "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    replicas: 1\n");
        try (LocalApp local = LocalApp.start(app, 1, LocalFixture.options(logs, 2, Map.of()), l -> {})) {
            local.awaitReady(WAIT);
            RouterConfig config = LocalRouting.config(local, "127.0.0.1", 0, true);
            RouterConfig.Backend web = config.backends().get("demo-web");
            assertThat(web.clusters()).extracting(RouterConfig.Cluster::name).containsExactly("local-1", "local-2");
            assertThat(web.healthCheck().orElseThrow().path()).isEqualTo("/healthz");
            assertThat(config.routes()).extracting(r -> r.host().orElse("*")).containsExactly("demo.localhost", "*");
            assertThat(config.source()).isEmpty();

            try (Router router = Router.start(config)) {
                int port = router.address().getPort();
                assertThat(LocalFixture.get(port, "/whoami")).startsWith("200 local-");

                Router.ReloadOutcome applied = router.apply(LocalRouting.config(local, "127.0.0.1", 0, true));
                assertThat(applied.applied()).isTrue();
                assertThat(LocalFixture.get(port, "/whoami")).startsWith("200 local-");
                // Nothing on disk to re-read: a reload says so instead of reading a stale file.
                assertThat(router.reload().applied()).isFalse();
            }
        }
    }

    @Test
    void withNoRunToRouteThePlaceholderConfigIsValidAndEveryHostIs404() {
        try (Router router = Router.start(LocalRouting.config("127.0.0.1", 0, List.of()))) {
            assertThat(LocalFixture.get(router.address().getPort(), "/")).startsWith("404 no route for 127.0.0.1");
        }
    }
}
