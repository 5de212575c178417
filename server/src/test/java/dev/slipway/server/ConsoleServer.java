package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.render.SecretSource;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.testkit.TestClusters;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What the console tests look at: a server on two simulated clusters (its track calls to a recording stand-in)
 * with the app {@code shop} registered and the rollout RolloutApiTest starts under way on it.
 */
final class ConsoleServer implements AutoCloseable {
    final TestClusters clusters;
    final ServerFixture fixture;
    final ServerConfig config;
    final SlipwayServer server;
    final ApiClient admin;

    /** With the fixture's config for state {@code name}, changed by {@code tweak}. */
    ConsoleServer(Path root, String name, UnaryOperator<ServerConfig> tweak) {
        clusters = TestClusters.start("east-1", "west-1");
        fixture = new ServerFixture(root, clusters);
        config = tweak.apply(fixture.config(name));
        server = SlipwayServer.start(
                config,
                fixture.clock,
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                SecretSource.REDACTED,
                engine -> new RecordingTracks());
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        ApiClient.Reply registered = admin.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        server.rollouts().start(RolloutApiTest.KEY, RolloutApiTest.spec(), "r7", List.of("east-1", "west-1"), "alice");
    }

    /** A new token's secret. */
    String token(String name, String scope) {
        return issue(name, scope).get("secret").asText();
    }

    /** A new token: its {@code id} and {@code secret}, among the rest of what the API answers. */
    com.fasterxml.jackson.databind.JsonNode issue(String name, String scope) {
        ApiClient.Reply issued =
                admin.post("/api/tokens", "{\"name\": \"" + name + "\", \"scope\": \"" + scope + "\"}");
        assertThat(issued.status()).as(issued.body()).isEqualTo(201);
        return issued.json();
    }

    /**
     * Keeps a judged window of east-1's canary as the controller does, {@code seconds} after the fixture's start:
     * canary 200 requests with {@code errors} errors, stable 1000 with one.
     */
    void judged(int seconds, long errors, String verdict) {
        judged(seconds, 200, errors, 40_000 + 1_000 * errors, 1000, 1, 38_000, verdict);
    }

    /** As {@link #judged(int, long, String)}, with every number given (p99s in microseconds). */
    void judged(
            int seconds,
            long requests,
            long errors,
            long canaryP99Micros,
            long stableRequests,
            long stableErrors,
            long stableP99Micros,
            String verdict) {
        server.store()
                .rolloutChecks()
                .record(new dev.slipway.store.RolloutChecks.CheckRow(
                        0,
                        "shop",
                        "production",
                        "east-1",
                        fixture.clock.instant().plusSeconds(seconds),
                        10_000,
                        requests,
                        errors,
                        canaryP99Micros,
                        stableRequests,
                        stableErrors,
                        stableP99Micros,
                        verdict));
    }

    /** A lab of {@code branch} at the green commit, its first deploy done; its id. */
    long lab(String branch) {
        admin.post(
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \"" + ServerFixture.SHA_GREEN
                        + "\", \"context\": \"ci/build\", \"state\": \"success\"}");
        ApiClient.Reply up = admin.post(
                "/api/apps/shop/labs",
                "{\"branch\": \"" + branch + "\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\"}");
        assertThat(up.status()).as(up.body()).isEqualTo(202);
        admin.awaitDeploy(up.json().get("deploy").get("id").asLong());
        return up.json().get("lab").get("id").asLong();
    }

    @Override
    public void close() {
        server.close();
        clusters.close();
    }
}
