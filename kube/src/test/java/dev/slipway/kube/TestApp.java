package dev.slipway.kube;

import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.testkit.TestClusters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An app directory written by a test, rendered through the real loader and renderer. */
final class TestApp {
    private final Path dir;
    private final String name;
    private final Map<String, String> manifests = new LinkedHashMap<>();

    TestApp(Path root, String name) {
        this.dir = root.resolve(name);
        this.name = name;
    }

    String name() {
        return name;
    }

    /** Sets (or replaces) one manifest file under kubernetes/. */
    TestApp manifest(String file, String yaml) {
        manifests.put(file, yaml);
        return this;
    }

    TestApp without(String file) {
        manifests.remove(file);
        return this;
    }

    Rendering render(TestClusters clusters, boolean parallel) {
        try {
            if (Files.exists(dir)) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(dir.resolve("kubernetes"));
            Files.writeString(
                    dir.resolve("slipway.yaml"),
                    "app: " + name + "\nmanifests: kubernetes/\n"
                            + "environments:\n  production: {group: production, namespace: " + name + "}\n");
            for (Map.Entry<String, String> m : manifests.entrySet()) {
                Files.writeString(dir.resolve("kubernetes").resolve(m.getKey()), m.getValue());
            }
            Path clustersFile = dir.resolve("clusters.yaml");
            Files.writeString(clustersFile, clusters.clustersFile("production", parallel));
            return new Renderer(SecretSource.REDACTED)
                    .render(AppLoader.load(dir), "production", ClustersConfigLoader.load(clustersFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String deployment(String name, int replicas, String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: %1$s
                spec:
                  replicas: %2$d
                  selector:
                    matchLabels: {app: %1$s}
                  template:
                    metadata:
                      labels: {app: %1$s}
                    spec:
                      containers:
                        - name: %1$s
                          image: %3$s
                """.formatted(name, replicas, image);
    }

    static String service(String name) {
        return """
                apiVersion: v1
                kind: Service
                metadata:
                  name: %1$s
                spec:
                  selector: {app: %1$s}
                  ports:
                    - port: 80
                      targetPort: 8080
                """.formatted(name);
    }

    static String configMap(String name, String value) {
        return """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                data:
                  value: "%s"
                """.formatted(name, value);
    }
}
