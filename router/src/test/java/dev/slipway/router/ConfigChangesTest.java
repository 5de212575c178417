package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.router.RouterConfig.Address;
import dev.slipway.router.RouterConfig.Backend;
import dev.slipway.router.RouterConfig.Cluster;
import dev.slipway.router.RouterConfig.Migration;
import dev.slipway.router.RouterConfig.Route;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The log line of an applied reload says what it changed. */
class ConfigChangesTest {
    static Backend backend(String name, int endpoints) {
        List<Address> addresses = new java.util.ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            addresses.add(new Address("10.0.0." + (i + 1), 8080));
        }
        return new Backend(
                name,
                List.of(new Cluster("east", 1, addresses)),
                0.5,
                Optional.empty(),
                RouterConfig.OutlierDetection.defaults());
    }

    static Route route(String name, Stage stage) {
        return new Route(
                name,
                Optional.empty(),
                "/",
                "web",
                Duration.ofSeconds(10),
                Duration.ofSeconds(1),
                Optional.of(new Migration("web-canary", stage)));
    }

    static RouterConfig config(List<Backend> backends, List<Route> routes) {
        return RouterConfig.of(new Address("127.0.0.1", 0), backends, routes);
    }

    @Test
    void aReloadSaysWhichRoutesAndBackendsItChanged() {
        RouterConfig before =
                config(List.of(backend("web", 2), backend("web-canary", 1)), List.of(route("web", Stage.off())));
        RouterConfig after = config(
                List.of(backend("web", 3), backend("web-canary", 1), backend("api", 1)),
                List.of(route("web", Stage.percent(10)), route("api", Stage.off())));

        assertThat(ConfigChanges.describe(before, after))
                .isEqualTo(
                        "route web: stage off → percent 10; route api added (to web); backend api added (1 endpoints);"
                                + " backend web: endpoints 2 → 3");
        assertThat(ConfigChanges.describe(after, before))
                .contains("route api removed", "backend api removed", "stage percent 10 → off");
        assertThat(ConfigChanges.describe(before, before)).isEqualTo("no change");
    }
}
