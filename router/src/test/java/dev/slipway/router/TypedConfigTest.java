package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.router.RouterConfig.Address;
import dev.slipway.router.RouterConfig.Backend;
import dev.slipway.router.RouterConfig.Cluster;
import dev.slipway.router.RouterConfig.Migration;
import dev.slipway.router.RouterConfig.OutlierDetection;
import dev.slipway.router.RouterConfig.Route;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Router#start(RouterConfig)} and {@link Router#apply(RouterConfig)}: the router from values, no file. */
class TypedConfigTest {
    final TestBackend a = new TestBackend("A");
    final TestBackend b = new TestBackend("B");

    @AfterEach
    void stop() {
        a.close();
        b.close();
    }

    static Backend backend(String name, TestBackend server) {
        return new Backend(
                name,
                List.of(new Cluster("east", 1, List.of(new Address("127.0.0.1", server.port())))),
                0.5,
                Optional.empty(),
                OutlierDetection.defaults());
    }

    static Route route(String backend, Optional<String> migrateTo) {
        return new Route(
                "web",
                Optional.empty(),
                "/",
                backend,
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                migrateTo.map(to -> new Migration(to, Stage.off())));
    }

    RouterConfig config(String backend, Optional<String> migrateTo) {
        return RouterConfig.of(
                new Address("127.0.0.1", 0),
                List.of(backend("one", a), backend("two", b)),
                List.of(route(backend, migrateTo)));
    }

    @Test
    void aConfigBuiltInCodeServesAndEachApplyIsOneReload() {
        try (Router router = Router.start(config("one", Optional.empty()));
                TestClient client = new TestClient(router.address());
                TestClient admin = new TestClient(
                        router.adminAddress(),
                        "127.0.0.1:" + router.adminAddress().getPort())) {
            assertThat(client.get("/").body()).isEqualTo("A");

            assertThat(router.apply(config("two", Optional.empty())).applied()).isTrue();

            assertThat(client.get("/").body()).isEqualTo("B");
            assertThat(admin.get("/metrics").body())
                    .contains("slipway_router_config_reloads_total{result=\"applied\"} 1.0");
            assertThat(admin.get("/config").body()).contains("\"source\" : \"(built in code)\"");
            assertThat(admin.post("/reload", "").status()).isEqualTo(422);
        }
    }

    @Test
    void aConfigThatBreaksAFileRuleIsRefusedAtStartAndOnApplyTheOldOneKeepsServing() {
        RouterConfig broken = RouterConfig.of(
                new Address("127.0.0.1", 0), List.of(backend("one", a)), List.of(route("three", Optional.empty())));
        assertThatThrownBy(() -> Router.start(broken))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("route 'web'")
                .hasMessageContaining("backend 'three' is not defined");

        try (Router router = Router.start(config("one", Optional.empty()));
                TestClient client = new TestClient(router.address())) {
            Router.ReloadOutcome outcome = router.apply(broken);
            assertThat(outcome.applied()).isFalse();
            assertThat(outcome.problems()).extracting(p -> p.what()).contains("backend 'three' is not defined");
            assertThat(client.get("/").body()).isEqualTo("A");
        }
    }

    @Test
    void aStageSetThroughTheAdminApiHoldsAcrossAppliesThatKeepTheConfigsStage() {
        try (Router router = Router.start(config("one", Optional.of("two")));
                TestClient client = new TestClient(router.address())) {
            router.changeStage("web", Stage.full());
            assertThat(router.apply(config("one", Optional.of("two"))).applied())
                    .isTrue();
            assertThat(router.stage("web")).isEqualTo(Stage.full());
            assertThat(client.get("/").body()).isEqualTo("B");
        }
    }
}
