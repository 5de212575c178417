package dev.slipway.testkit;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A group of simulated clusters and the kubeconfig that reaches them (one context per cluster, named like
 * the cluster), so tests and benchmarks drive Slipway exactly as a user with real clusters would.
 */
public final class TestClusters implements AutoCloseable {
    private final List<MockCluster> clusters;
    private final Path kubeconfig;

    private TestClusters(List<MockCluster> clusters, Path kubeconfig) {
        this.clusters = List.copyOf(clusters);
        this.kubeconfig = kubeconfig;
    }

    /** Starts one cluster per name and writes their kubeconfig to a temporary file. */
    public static TestClusters start(String... names) {
        try {
            Path file = Files.createTempFile("slipway-testkit-", ".kubeconfig");
            file.toFile().deleteOnExit();
            return start(file, names);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts one cluster per name and writes their kubeconfig to {@code kubeconfig}. */
    public static TestClusters start(Path kubeconfig, String... names) {
        List<MockCluster> started = new ArrayList<>();
        try {
            for (String name : names) {
                started.add(MockCluster.start(name));
            }
            Files.writeString(kubeconfig, kubeconfigYaml(started));
        } catch (IOException | RuntimeException e) {
            started.forEach(MockCluster::close);
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
        return new TestClusters(started, kubeconfig);
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public List<MockCluster> all() {
        return clusters;
    }

    public MockCluster cluster(String name) {
        return clusters.stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no test cluster " + name));
    }

    /** A cluster group over all clusters in start order, as a clusters file would declare it. */
    public ClusterGroup group(String name, boolean parallel) {
        return new ClusterGroup(
                name,
                parallel,
                clusters.stream()
                        .map(c -> new Cluster(c.name(), c.name(), "site-" + c.name(), List.of("127.0.0.1"), 1))
                        .toList());
    }

    /** The clusters file (YAML) declaring {@link #group} under {@code name}. */
    public String clustersFile(String name, boolean parallel) {
        StringBuilder yaml = new StringBuilder("groups:\n  ")
                .append(name)
                .append(":\n    parallel: ")
                .append(parallel)
                .append("\n    clusters:\n");
        for (MockCluster c : clusters) {
            yaml.append("      - name: ")
                    .append(c.name())
                    .append('\n')
                    .append("        context: ")
                    .append(c.name())
                    .append('\n')
                    .append("        site: site-")
                    .append(c.name())
                    .append('\n')
                    .append("        nodes: [127.0.0.1]\n");
        }
        return yaml.toString();
    }

    @Override
    public void close() {
        clusters.forEach(MockCluster::close);
    }

    static String kubeconfigYaml(List<MockCluster> clusters) {
        StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n");
        for (MockCluster c : clusters) {
            yaml.append("- name: ")
                    .append(c.name())
                    .append("\n  cluster:\n    server: ")
                    .append(c.url())
                    .append('\n');
        }
        yaml.append("contexts:\n");
        for (MockCluster c : clusters) {
            yaml.append("- name: ")
                    .append(c.name())
                    .append("\n  context:\n    cluster: ")
                    .append(c.name())
                    .append("\n    user: ")
                    .append(c.name())
                    .append('\n');
        }
        yaml.append("users:\n");
        for (MockCluster c : clusters) {
            yaml.append("- name: ")
                    .append(c.name())
                    .append("\n  user:\n    token: testkit-")
                    .append(c.name())
                    .append('\n');
        }
        if (!clusters.isEmpty()) {
            yaml.append("current-context: ").append(clusters.get(0).name()).append('\n');
        }
        return yaml.toString();
    }
}
