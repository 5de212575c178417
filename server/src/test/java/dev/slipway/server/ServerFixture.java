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
import java.util.Optional;
import org.threeten.extra.MutableClock;

/** An app directory, a clusters file over test clusters, and servers started on them. */
final class ServerFixture {

    static final String SHA_GREEN = "1111111111111111111111111111111111111111";
    static final String SHA_RED = "2222222222222222222222222222222222222222";

    final Path root;
    final TestClusters clusters;
    final Path appDir;
    final Path clustersFile;
    final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);

    ServerFixture(Path root, TestClusters clusters) {
        this.root = root;
        this.clusters = clusters;
        this.appDir = root.resolve("shop");
        this.clustersFile = root.resolve("clusters.yaml");
        try {
            Files.createDirectories(appDir.resolve("kubernetes"));
            Files.writeString(appDir.resolve("slipway.yaml"), """
                    app: shop
                    manifests: kubernetes/
                    environments:
                      production: {group: production, namespace: shop}
                      staging: {group: production, namespace: shop-staging}
                    """);
            writeManifests("ready");
            Files.writeString(clustersFile, clusters.clustersFile("production", false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites the app's manifests; {@code outcome} is what the stand-in controller makes of the Deployment. */
    void writeManifests(String outcome) throws IOException {
        Files.writeString(appDir.resolve("kubernetes/app.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                data:
                  greeting: hello
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
                """.formatted(outcome));
    }

    ServerConfig config(String stateName, StoreConfig store) {
        Path state = root.resolve(stateName);
        return ServerConfig.loopback(state, clustersFile)
                .withStore(store)
                .withServerId(stateName)
                .withDeployTimeout(Duration.ofSeconds(20))
                .withReaperInterval(Duration.ofHours(1));
    }

    ServerConfig config(String stateName) {
        return config(stateName, StoreConfig.h2File(root.resolve(stateName).resolve("store")));
    }

    SlipwayServer start(ServerConfig config) {
        return start(config, clock);
    }

    SlipwayServer start(ServerConfig config, Clock serverClock) {
        return SlipwayServer.start(
                config,
                serverClock,
                KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfig())),
                SecretSource.REDACTED);
    }

    static String adminToken(ServerConfig config) {
        try {
            return Files.readString(config.stateDir().resolve(FirstAdminToken.FILE_NAME))
                    .strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
