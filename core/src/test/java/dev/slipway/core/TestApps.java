package dev.slipway.core;

import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.cluster.ClustersConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes small app directories and clusters files for tests. */
public final class TestApps {
    private TestApps() {}

    /** Writes {@code files} (relative path → text) under {@code dir}. */
    public static Path write(Path dir, Map<String, String> files) {
        try {
            for (Map.Entry<String, String> e : files.entrySet()) {
                Path p = dir.resolve(e.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, e.getValue());
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static final String THREE_CLUSTERS = """
            groups:
              production:
                clusters:
                  - {name: east-1, context: kind-east, site: east, nodes: [127.0.0.1]}
                  - {name: west-2, site: west, nodes: [10.0.0.2]}
                  - {name: north-3, nodes: [node-3.example.com], weight: 2}
              staging:
                parallel: true
                clusters:
                  - {name: stage-1}
            """;

    public static ClustersConfig threeClusters() {
        return ClustersConfigLoader.parse(THREE_CLUSTERS, Path.of("clusters.yaml"));
    }
}
