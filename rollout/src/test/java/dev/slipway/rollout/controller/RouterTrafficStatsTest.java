package dev.slipway.rollout.controller;

import static dev.slipway.rollout.controller.RolloutFixture.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.router.RouterStats;
import dev.slipway.router.TrafficCounts;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Several routers' numbers added into one sum that only grows, whatever the routers do. */
class RouterTrafficStatsTest {

    /** A router whose canary has counted {@code canary} requests and stable {@code stable}, in cluster east. */
    static final class FakeRouter implements Supplier<RouterStats> {
        String instance = "one";
        long canary;
        long stable;
        boolean down;

        @Override
        public RouterStats get() {
            if (down) {
                throw new IllegalStateException("connection refused");
            }
            return new RouterStats(
                    instance,
                    Map.of(
                            "web",
                            new RouterStats.Route(Map.of(
                                    "web", backend(stable),
                                    "web-canary", backend(canary))),
                            "other",
                            new RouterStats.Route(Map.of("web", backend(1_000_000)))));
        }

        static RouterStats.Backend backend(long requests) {
            TrafficCounts c = FakeTrafficStats.counts(requests, 0, Duration.ofMillis(20));
            return new RouterStats.Backend(c, Map.of("east", c));
        }
    }

    final FakeRouter a = new FakeRouter();
    final FakeRouter b = new FakeRouter();
    final RouterTrafficStats stats = new RouterTrafficStats(
            new LinkedHashMap<>(Map.of("a", a, "b", b)),
            key -> List.of(new RouterTrafficStats.TrackRoutes("web", "web", "web-canary")));

    long canary() {
        return stats.read(KEY).canary().total().requests();
    }

    @Test
    void routersAddUpFromWhenTheyAreFirstSeenAndARestartDoesNotMakeTheSumGoDown() {
        a.canary = 500;
        b.canary = 700;
        assertThat(canary()).as("what happened before is not new").isZero();
        a.canary += 10;
        b.canary += 5;
        assertThat(canary()).isEqualTo(15);
        assertThat(stats.read(KEY).stable().clusters()).containsOnlyKeys("east");

        // b restarts and counts 3 requests from zero; a counts 10 more.
        b.instance = "two";
        b.canary = 3;
        a.canary += 10;
        assertThat(canary()).isEqualTo(28);
    }

    @Test
    void aRouterThatCannotBeReadIsLeftOutAndCountedWhenItIsBack() {
        canary();
        b.down = true;
        a.canary += 10;
        b.canary += 20;
        assertThat(canary()).isEqualTo(10);
        b.down = false;
        assertThat(canary()).isEqualTo(30);

        a.down = true;
        b.down = true;
        assertThatThrownBy(this::canary)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no router could be read")
                .hasMessageContaining("a (connection refused)");
    }
}
