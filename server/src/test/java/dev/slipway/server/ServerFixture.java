package dev.slipway.server;

import dev.slipway.core.render.SecretSource;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.store.StoreConfig;
import dev.slipway.testkit.TestClusters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.threeten.extra.MutableClock;

/**
 * An app directory ({@code shop}: a ConfigMap and a Deployment), a clusters file over test clusters, and servers
 * started on them: the one server fixture of the server's tests and of the CLI-against-server tests (module e2e,
 * through this module's test jar).
 */
public final class ServerFixture {

    public static final String SHA_GREEN = "1111111111111111111111111111111111111111";
    public static final String SHA_RED = "2222222222222222222222222222222222222222";

    public final Path root;
    public final TestClusters clusters;
    public final Path appDir;
    public final Path clustersFile;
    public final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);

    /** The app with environments production and staging, both in cluster group {@code production}. */
    public ServerFixture(Path root, TestClusters clusters) {
        this(root, clusters, List.of("production", "staging"));
    }

    /**
     * The app with these environments, all in cluster group {@code production}: {@code production} in namespace
     * {@code shop}, any other {@code E} in {@code shop-E}.
     */
    public ServerFixture(Path root, TestClusters clusters, List<String> environments) {
        this.root = root;
        this.clusters = clusters;
        this.appDir = root.resolve("shop");
        this.clustersFile = root.resolve("clusters.yaml");
        StringBuilder spec = new StringBuilder("app: shop\nmanifests: kubernetes/\nenvironments:\n");
        for (String environment : environments) {
            spec.append("  ")
                    .append(environment)
                    .append(": {group: production, namespace: ")
                    .append(environment.equals("production") ? "shop" : "shop-" + environment)
                    .append("}\n");
        }
        try {
            Files.createDirectories(appDir.resolve("kubernetes"));
            Files.writeString(appDir.resolve("slipway.yaml"), spec);
            writeManifests("ready");
            Files.writeString(clustersFile, clusters.clustersFile("production", false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites the app's manifests; {@code outcome} is what the stand-in controller makes of the Deployment. */
    public void writeManifests(String outcome) throws IOException {
        writeManifests("hello", outcome);
    }

    /** As {@link #writeManifests(String)}, with the ConfigMap's {@code greeting}: what a deploy visibly changes. */
    public void writeManifests(String greeting, String outcome) throws IOException {
        Files.writeString(appDir.resolve("kubernetes/app.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                data:
                  greeting: %s
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  replicas: 1
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                      annotations: {testkit.slipway.dev/outcome: %s}
                    spec:
                      containers:
                        - name: web
                          image: shop/web:1
                """.formatted(greeting, outcome));
    }

    /** A loopback server's configuration with its state in {@code ROOT/stateName}, and server id {@code stateName}. */
    public ServerConfig config(String stateName, StoreConfig store) {
        Path state = root.resolve(stateName);
        return ServerConfig.loopback(state, clustersFile)
                .withStore(store)
                .withServerId(stateName)
                .withDeployTimeout(Duration.ofSeconds(20))
                .withReaperInterval(Duration.ofHours(1));
    }

    /** As {@link #config(String, StoreConfig)} with an H2 file in the state directory. */
    public ServerConfig config(String stateName) {
        return config(stateName, StoreConfig.h2File(root.resolve(stateName).resolve("store")));
    }

    /** Starts a server on the fixture's clusters, with the fixture's {@link #clock}. */
    public SlipwayServer start(ServerConfig config) {
        return start(config, clock);
    }

    /** Starts a server on the fixture's clusters, with its own clock. */
    public SlipwayServer start(ServerConfig config, Clock serverClock) {
        return SlipwayServer.start(
                config,
                serverClock,
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                SecretSource.REDACTED);
    }

    /** The admin token a started server wrote to its state directory. */
    public static String adminToken(ServerConfig config) {
        try {
            return Files.readString(config.stateDir().resolve(FirstAdminToken.FILE_NAME))
                    .strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
