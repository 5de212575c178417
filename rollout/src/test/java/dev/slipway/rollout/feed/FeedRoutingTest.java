package dev.slipway.rollout.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.AppSpec;
import dev.slipway.router.RouterConfig;
import dev.slipway.router.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config a fed router gets, as a function of node ports and stages. */
class FeedRoutingTest {
    @TempDir
    Path dir;

    static final ClusterGroup GROUP = new ClusterGroup(
            "production",
            false,
            List.of(
                    new Cluster("east-1", "east-1", "east", List.of("10.0.1.1", "10.0.1.2"), 3),
                    new Cluster("west-1", "west-1", "west", List.of("10.0.2.1"), 1),
                    new Cluster("north-1", "north-1", "north", List.of(), 1)));

    static final Map<String, Map<String, Map<String, Integer>>> BOTH_TRACKS = Map.of(
            "east-1", Map.of("web", Map.of("stable", 30001, "canary", 30002)),
            "west-1", Map.of("web", Map.of("stable", 30011, "canary", 30012)),
            "north-1", Map.of("web", Map.of("stable", 30021)));

    AppSpec app(String services) throws IOException {
        Files.writeString(dir.resolve("slipway.yaml"), """
                app: shop
                environments:
                  production: {group: production, namespace: shop}
                services:
                """ + services);
        return AppLoader.load(dir).spec();
    }

    AppSpec web() throws IOException {
        return app("  - {name: web, image: acme/web:1, port: 8080, health: /ready}\n");
    }

    static RouterConfig config(AppSpec app, Map<String, Map<String, Map<String, Integer>>> ports, Stages stages) {
        return FeedRouting.config(app, GROUP, ports, stages, FeedSettings.on(new RouterConfig.Address("127.0.0.1", 0)));
    }

    static Map<String, Integer> weights(RouterConfig config, String backend) {
        return config.backends().get(backend).clusters().stream()
                .collect(Collectors.toMap(RouterConfig.Cluster::name, RouterConfig.Cluster::weight));
    }

    @Test
    void backendsListEveryNodeAtTheTracksNodePortWithTheClustersWeight() throws IOException {
        RouterConfig c = config(web(), BOTH_TRACKS, Stages.none());
        RouterConfig.Backend stable = c.backends().get("web");
        assertThat(stable.clusters())
                .containsExactly(
                        new RouterConfig.Cluster(
                                "east-1",
                                3,
                                List.of(
                                        new RouterConfig.Address("10.0.1.1", 30001),
                                        new RouterConfig.Address("10.0.1.2", 30001)),
                                Optional.of("east")),
                        new RouterConfig.Cluster(
                                "west-1",
                                1,
                                List.of(new RouterConfig.Address("10.0.2.1", 30011)),
                                Optional.of("west")));
        assertThat(c.site()).as("no --site: no preference").isEmpty();
        assertThat(stable.healthCheck()).get().satisfies(h -> {
            assertThat(h.path()).isEqualTo("/ready");
            assertThat(h.interval().plus(h.interval()).plus(h.timeout()).toMillis())
                    .as("an unreachable endpoint is out within 1 s")
                    .isLessThan(1000);
        });
        assertThat(weights(c, "web-canary")).isEqualTo(Map.of("east-1", 3, "west-1", 1));
        RouterConfig.Route route = c.routes().get(0);
        assertThat(route.name()).isEqualTo("web");
        assertThat(route.host()).isEmpty();
        assertThat(route.migration()).contains(new RouterConfig.Migration("web-canary", Stage.off()));
    }

    @Test
    void aRouterAtASiteSaysSoAndEveryClusterCarriesItsSite() throws IOException {
        RouterConfig c = FeedRouting.config(
                web(),
                GROUP,
                BOTH_TRACKS,
                Stages.none().with("web", Stage.percent(10)),
                FeedSettings.on(new RouterConfig.Address("127.0.0.1", 0)).withSite("west"));
        assertThat(c.site()).contains("west");
        for (String backend : List.of("web", "web-canary")) {
            assertThat(c.backends().get(backend).clusters())
                    .extracting(RouterConfig.Cluster::name, cl -> cl.site().orElseThrow())
                    .containsExactly(tuple("east-1", "east"), tuple("west-1", "west"));
        }
    }

    @Test
    void theRolloutsStickinessIsEveryRoutesStickiness() throws IOException {
        Files.writeString(dir.resolve("slipway.yaml"), """
                app: shop
                environments:
                  production:
                    group: production
                    namespace: shop
                    rollout: {steps: [{percent: 10, for: 1m}, full], sticky: {header: X-User-Id}}
                  staging: {group: production, namespace: shop-staging}
                services:
                  - {name: web, image: acme/web:1, port: 8080, health: /ready}
                """);
        AppSpec app = AppLoader.load(dir).spec();
        RouterConfig.Stickiness sticky =
                FeedRouting.sticky(app.environment("production").orElseThrow());
        assertThat(sticky).isEqualTo(RouterConfig.Stickiness.byHeader("X-User-Id"));
        assertThat(FeedRouting.sticky(app.environment("staging").orElseThrow()))
                .isEqualTo(RouterConfig.Stickiness.COOKIE);
        RouterConfig c = FeedRouting.config(
                app,
                GROUP,
                BOTH_TRACKS,
                Stages.none().with("web", Stage.percent(10)),
                FeedSettings.on(new RouterConfig.Address("127.0.0.1", 0)).withSticky(sticky));
        assertThat(c.routes()).extracting(RouterConfig.Route::stickiness).containsOnly(sticky);
    }

    @Test
    void withoutACanaryTheRouteHasNoMigration() throws IOException {
        RouterConfig c = config(web(), Map.of("west-1", Map.of("web", Map.of("stable", 30011))), Stages.none());
        assertThat(c.backends()).containsOnlyKeys("web");
        assertThat(c.routes().get(0).migration()).isEmpty();
    }

    @Test
    void oneStageForAllClustersIsTheRoutesStage() throws IOException {
        RouterConfig c = config(web(), BOTH_TRACKS, Stages.none().with("web", Stage.requestsPerSecond(100)));
        // per cluster: 100 rps each
        assertThat(c.routes().get(0).migration().get().stage()).isEqualTo(Stage.requestsPerSecond(200));
        c = config(web(), BOTH_TRACKS, Stages.none().with("web", Stage.optIn()));
        assertThat(c.routes().get(0).migration().get().stage()).isEqualTo(Stage.optIn());
        c = config(web(), BOTH_TRACKS, Stages.none().with("web", Stage.percent(10)));
        assertThat(c.routes().get(0).migration().get().stage()).isEqualTo(Stage.percent(10));
        assertThat(weights(c, "web")).isEqualTo(Map.of("east-1", 270, "west-1", 90));
        assertThat(weights(c, "web-canary")).isEqualTo(Map.of("east-1", 30, "west-1", 10));
    }

    @Test
    void aClusterAtFullWhileAnotherIsOffSendsOnlyItsOwnShareToTheCanary() throws IOException {
        RouterConfig c = config(web(), BOTH_TRACKS, Stages.none().with("web", "west-1", Stage.full()));
        // west has weight 1 of 4: a quarter of all traffic, all of west's, goes to west's canary
        assertThat(c.routes().get(0).migration().get().stage()).isEqualTo(Stage.percent(25));
        assertThat(weights(c, "web-canary")).isEqualTo(Map.of("west-1", 100));
        assertThat(weights(c, "web")).isEqualTo(Map.of("east-1", 300, "west-1", 0));
    }

    @Test
    void everyClusterFullIsFull() throws IOException {
        RouterConfig c = config(web(), BOTH_TRACKS, Stages.none().with("web", Stage.full()));
        assertThat(c.routes().get(0).migration().get().stage()).isEqualTo(Stage.full());
    }

    @Test
    void nothingSyncedYetGivesAPlaceholderConfigAnsweringNothing() throws IOException {
        RouterConfig c = config(web(), Map.of(), Stages.none());
        assertThat(c.routes())
                .singleElement()
                .satisfies(r -> assertThat(r.host()).contains("no-services.invalid"));
    }

    @Test
    void severalServicesNeedAHost() throws IOException {
        AppSpec two =
                app("  - {name: web, image: acme/web:1, port: 8080}\n  - {name: api, image: acme/api:1, port: 8080}\n");
        FeedSettings anyHost = FeedSettings.on(new RouterConfig.Address("127.0.0.1", 0));
        assertThat(FeedRouting.problems(two, anyHost))
                .singleElement()
                .satisfies(p -> assertThat(p.fix()).contains("--host"));
        assertThat(FeedRouting.problems(two, anyHost.withHost("shop.example.com")))
                .isEmpty();
        RouterConfig c = FeedRouting.config(
                two,
                GROUP,
                Map.of("east-1", Map.of("web", Map.of("stable", 1), "api", Map.of("stable", 2))),
                Stages.none(),
                anyHost.withHost("shop.example.com"));
        assertThat(c.routes().stream().map(r -> r.host().orElse("*")))
                .containsExactly("shop.example.com", "api.shop.example.com");
    }
}
