package dev.slipway.server;

import dev.slipway.api.SlipwayClient;
import dev.slipway.core.render.SecretSource;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.testkit.TestClusters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A real server on 127.0.0.1 with app {@code shop} registered, whose rollouts' track calls are recorded instead of
 * made and whose clock stands still (no step moves on by itself): for tests outside this package (the CLI's) that
 * need a rollout on a server. {@link #startRollout} starts one as a deploy that brought canaries up would.
 */
public final class RolloutTestServer implements AutoCloseable {
    public static final RolloutKey KEY = new RolloutKey("shop", "production");

    public final ServerFixture fixture;
    public final ServerConfig config;
    public final RecordingTracks tracks = new RecordingTracks();
    private final SlipwayServer server;
    private boolean closed;

    private RolloutTestServer(ServerFixture fixture, ServerConfig config) {
        this.fixture = fixture;
        this.config = config;
        this.server = SlipwayServer.start(
                config,
                fixture.clock,
                KubeClusterTargets.fromKubeconfig(Optional.of(fixture.clusters.kubeconfig())),
                SecretSource.REDACTED,
                engine -> tracks);
    }

    /** Starts the server on {@code clusters} (group {@code production}) with its state under {@code root}. */
    public static RolloutTestServer start(Path root, TestClusters clusters) {
        ServerFixture fixture = new ServerFixture(root, clusters);
        RolloutTestServer running = new RolloutTestServer(fixture, fixture.config("rollout-server"));
        try {
            running.admin().registerApp(fixture.appDir.toString(), Optional.empty(), Optional.empty());
        } catch (RuntimeException e) {
            running.close();
            throw e;
        }
        return running;
    }

    public String url() {
        return server.url();
    }

    /** The admin token the server wrote to its state directory. */
    public String adminToken() {
        return ServerFixture.adminToken(config);
    }

    /** A client with the admin token. */
    public SlipwayClient admin() {
        try {
            return SlipwayClient.withToken(url(), adminToken(), Optional.empty());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts the rollout of {@code revision} of shop in production on {@code clusters}: rps 100 for 1m, 10% for 2m,
     * full, one cluster after the other.
     */
    public void startRollout(String revision, List<String> clusters, String by) {
        server.rollouts().start(KEY, RolloutApiTest.spec(), revision, clusters, by);
    }

    /** Stops the server; again is a no-op (a test may stop it midway, and its clean-up once more). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            server.close();
        }
    }
}
