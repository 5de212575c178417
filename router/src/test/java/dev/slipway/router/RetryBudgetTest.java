package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.resolver.DefaultAddressResolverGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

class RetryBudgetTest {
    @TempDir
    Path dir;

    final MutableClock clock = MutableClock.of(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);

    @Test
    void retriesAreCappedToTheirShareOfRequests() {
        RetryBudget budget = new RetryBudget(new RouterConfig.RetryPolicy(2, 20, 0), 1, clock);
        for (int i = 0; i < 10; i++) {
            budget.onRequest();
        }
        assertThat(budget.tryRetry()).isTrue();
        assertThat(budget.tryRetry()).isTrue();
        assertThat(budget.tryRetry()).isFalse();
    }

    @Test
    void theSteadyAllowanceRefillsWithTimeEvenWithoutRequests() {
        RetryBudget budget = new RetryBudget(new RouterConfig.RetryPolicy(2, 0, 10), 1, clock);
        int allowed = 0;
        while (budget.tryRetry()) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(10);
        clock.add(Duration.ofMillis(500));
        allowed = 0;
        while (budget.tryRetry()) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(5);
    }

    @Test
    void theSteadyAllowanceIsSplitAcrossEventLoopsSoTheRouterKeepsToIt() {
        RetryBudget oneOfFour = new RetryBudget(new RouterConfig.RetryPolicy(2, 0, 20), 4, clock);
        clock.add(Duration.ofSeconds(1));
        int allowed = 0;
        while (oneOfFour.tryRetry()) {
            allowed++;
        }
        // 20/s over four loops: 5 at start plus 5 for the second that passed.
        assertThat(allowed).isEqualTo(10);
    }

    @Test
    void eachEventLoopHasItsOwnBudgetWhichAReloadWithTheSamePolicyKeeps() throws Exception {
        ProxyRuntime runtime = new ProxyRuntime(
                new RouterMetrics(new SimpleMeterRegistry()),
                Transport.best(),
                clock,
                2,
                DefaultAddressResolverGroup.INSTANCE);
        runtime.install(
                RoutingSnapshot.build(config("retries: {budgetPercent: 0, minPerSecond: 2}"), Map.of(), null, clock));
        ExecutorService otherLoop = Executors.newSingleThreadExecutor();
        try {
            RetryBudget mine = runtime.retryBudget();
            assertThat(mine.tryRetry()).isTrue();
            assertThat(mine.tryRetry()).as("1/s for each of two loops").isFalse();
            // The other thread's budget is its own: not drained by this one, and not the same object.
            CompletableFuture<RetryBudget> theirs = CompletableFuture.supplyAsync(runtime::retryBudget, otherLoop);
            assertThat(theirs.get()).isNotSameAs(mine);
            assertThat(CompletableFuture.supplyAsync(() -> runtime.retryBudget().tryRetry(), otherLoop)
                            .get())
                    .isTrue();

            runtime.install(RoutingSnapshot.build(
                    config("retries: {budgetPercent: 0, minPerSecond: 2}"), Map.of(), runtime.snapshot(), clock));
            assertThat(runtime.retryBudget()).as("same policy, same budget").isSameAs(mine);
            runtime.install(RoutingSnapshot.build(
                    config("retries: {budgetPercent: 0, minPerSecond: 4}"), Map.of(), runtime.snapshot(), clock));
            assertThat(runtime.retryBudget()).isNotSameAs(mine);
            assertThat(runtime.retryBudget().tryRetry()).isTrue();
        } finally {
            otherLoop.shutdownNow();
        }
    }

    private RouterConfig config(String retries) throws IOException {
        Path file = Files.writeString(dir.resolve("r.yaml"), retries + """

                backends:
                  web: {clusters: [{name: a, endpoints: [127.0.0.1:1]}]}
                routes:
                  - {name: api, backend: web}
                """);
        return RouterConfigLoader.load(file);
    }
}
