package dev.slipway.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.TestApps;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClustersConfigLoaderTest {
    private static final Path FILE = Path.of("clusters.yaml");

    @TempDir
    Path home;

    private static List<Problem> problems(String text) {
        InvalidInputException e =
                catchThrowableOfType(InvalidInputException.class, () -> ClustersConfigLoader.parse(text, FILE));
        assertThat(e).as("expected the clusters file to be refused").isNotNull();
        return e.problems();
    }

    @Test
    void contractExampleParsesWithItsDefaults() {
        ClustersConfig config = ClustersConfigLoader.parse("""
                groups:
                  production:
                    parallel: false            # default: cluster by cluster, in this order
                    clusters:
                      - name: east-1           # the name used in annotations
                        context: east-1        # kubeconfig context
                        site: east
                        nodes: [127.0.0.1]
                      - name: west-2
                """, FILE);

        ClusterGroup production = config.group("production").orElseThrow();
        assertThat(production.parallel()).isFalse();
        assertThat(production.clusters())
                .containsExactly(
                        new Cluster("east-1", "east-1", "east", List.of("127.0.0.1"), 1),
                        new Cluster("west-2", "west-2", "west-2", List.of(), 1));
        assertThat(config.source().toString()).isEqualTo("clusters.yaml");
    }

    @Test
    void groupOrderAndParallelFlagArePreserved() {
        ClustersConfig config = TestApps.threeClusters();

        assertThat(config.groups().keySet()).containsExactly("production", "staging");
        assertThat(config.group("staging").orElseThrow().parallel()).isTrue();
        assertThat(config.group("production").orElseThrow().clusters())
                .extracting(Cluster::name)
                .containsExactly("east-1", "west-2", "north-3");
        assertThat(config.group("production")
                        .orElseThrow()
                        .cluster("north-3")
                        .orElseThrow()
                        .weight())
                .isEqualTo(2);
    }

    @Test
    void duplicateClusterNamesInAGroupAreRefusedWithTheFirstLocation() {
        List<Problem> p = problems("""
                groups:
                  prod:
                    clusters:
                      - name: east-1
                      - name: east-1
                """);

        assertThat(p).singleElement().satisfies(x -> {
            assertThat(x.where()).isEqualTo("clusters.yaml:5");
            assertThat(x.what())
                    .isEqualTo(
                            "clusters[1].name: cluster 'east-1' appears twice in group 'prod' (first at clusters.yaml:4)"
                                    .replace("clusters[1]", "groups.prod.clusters[1]"));
        });
    }

    @Test
    void negativeWeightAndBadNodesAreRefused() {
        List<Problem> p = problems("""
                groups:
                  prod:
                    clusters:
                      - name: east-1
                        weight: -1
                        nodes: ["http://10.0.0.1:30080", ""]
                """);

        assertThat(p)
                .extracting(Problem::what)
                .containsExactly(
                        "groups.prod.clusters[0].nodes[0]: 'http://10.0.0.1:30080' is not a host name or IP address",
                        "groups.prod.clusters[0].nodes[1]: '' is not a host name or IP address",
                        "groups.prod.clusters[0].weight: must be from 0 to 1000000, got -1");
        assertThat(p.get(0).fix()).contains("without scheme or port");
    }

    @Test
    void ipv6NodesAreAccepted() {
        ClustersConfig config =
                ClustersConfigLoader.parse("groups: {g: {clusters: [{name: c, nodes: ['::1', 'fd00::12']}]}}", FILE);

        assertThat(config.group("g").orElseThrow().clusters().get(0).nodes()).containsExactly("::1", "fd00::12");
    }

    @Test
    void unknownFieldSuggestsTheKnownOne() {
        List<Problem> p = problems("groups:\n  prod:\n    clusters:\n      - name: a\n        contxt: kind-a\n");

        assertThat(p).singleElement().satisfies(x -> {
            assertThat(x.where()).isEqualTo("clusters.yaml:5");
            assertThat(x.what()).isEqualTo("groups.prod.clusters[0].contxt: unknown field");
            assertThat(x.fix()).startsWith("did you mean 'context'?");
        });
    }

    @Test
    void groupWithoutClustersAndInvalidNamesAreRefused() {
        List<Problem> p = problems("""
                groups:
                  prod:
                    clusters: []
                  Stage:
                    clusters:
                      - name: East_1
                """);

        assertThat(p)
                .extracting(Problem::what)
                .containsExactly(
                        "groups.prod: group 'prod' has no clusters",
                        "groups.Stage: group name 'Stage' must consist of lower-case letters, digits and '-', and start and"
                                + " end with a letter or digit (RFC 1123 label)",
                        "groups.Stage.clusters[0].name: cluster name 'East_1' must consist of lower-case letters, digits and"
                                + " '-', and start and end with a letter or digit (RFC 1123 label)");
    }

    @Test
    void missingGroupsAndEmptyFilesAreRefused() {
        assertThat(problems("clusters: []\n"))
                .extracting(Problem::what)
                .containsExactly("clusters: unknown field", "missing 'groups'");
        assertThat(problems("# nothing here\n"))
                .extracting(Problem::what)
                .containsExactly("the clusters file is empty");
    }

    @Test
    void parallelMustBeABoolean() {
        assertThat(problems("groups: {g: {parallel: sometimes, clusters: [{name: c}]}}"))
                .extracting(Problem::what)
                .containsExactly("groups.g.parallel: expected true or false, got \"sometimes\"");
    }

    @Test
    void flagWinsOverEnvironmentAndHome() {
        Path flag = TestApps.write(
                        home, Map.of("flag.yaml", "x", "env.yaml", "x", ".config/slipway/clusters.yaml", "x"))
                .resolve("flag.yaml");

        Path chosen = ClustersConfigLoader.locate(
                Optional.of(flag),
                Map.of("SLIPWAY_CLUSTERS", home.resolve("env.yaml").toString()),
                home);

        assertThat(chosen).isEqualTo(flag);
    }

    @Test
    void environmentVariableWinsOverHome() {
        TestApps.write(home, Map.of("env.yaml", "x", ".config/slipway/clusters.yaml", "x"));

        Path chosen = ClustersConfigLoader.locate(
                Optional.empty(),
                Map.of("SLIPWAY_CLUSTERS", home.resolve("env.yaml").toString()),
                home);

        assertThat(chosen).isEqualTo(home.resolve("env.yaml"));
    }

    @Test
    void homeFileIsTheFallback() {
        TestApps.write(home, Map.of(".config/slipway/clusters.yaml", "x"));

        assertThat(ClustersConfigLoader.locate(Optional.empty(), Map.of(), home))
                .isEqualTo(home.resolve(".config/slipway/clusters.yaml"));
    }

    @Test
    void missingFlagFileIsNamedWithHowItWasGiven() {
        InvalidInputException e = catchThrowableOfType(
                InvalidInputException.class,
                () -> ClustersConfigLoader.locate(Optional.of(home.resolve("nope.yaml")), Map.of(), home));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.where()).isEqualTo(home.resolve("nope.yaml").toString());
            assertThat(p.what()).isEqualTo("the clusters file given by --clusters does not exist");
        });
    }

    @Test
    void noClustersFileAnywhereAdvisesAllThreeWays() {
        InvalidInputException e = catchThrowableOfType(
                InvalidInputException.class, () -> ClustersConfigLoader.locate(Optional.empty(), Map.of(), home));

        assertThat(e.getMessage())
                .contains("--clusters")
                .contains("$SLIPWAY_CLUSTERS")
                .contains(home.resolve(".config/slipway/clusters.yaml").toString())
                .contains("groups:");
    }

    @Test
    void loadReadsTheFileAndKeepsItsPathForErrors() {
        Path file =
                TestApps.write(home, Map.of("c.yaml", TestApps.THREE_CLUSTERS)).resolve("c.yaml");

        assertThat(ClustersConfigLoader.load(file).source().file()).isEqualTo(file);
    }

    @Test
    void everyClusterOnceOrOneGroupsAndAnUnknownGroupNamesTheGroups() {
        ClustersConfig config = ClustersConfigLoader.parse("""
                groups:
                  production:
                    clusters: [{name: east-1}, {name: west-1}]
                  staging:
                    clusters: [{name: east-1}, {name: lab-1}]
                """, FILE);

        assertThat(config.clustersOf(java.util.Optional.empty()))
                .extracting(Cluster::name)
                .containsExactly("east-1", "west-1", "lab-1");
        assertThat(config.clustersOf(java.util.Optional.of("staging")))
                .extracting(Cluster::name)
                .containsExactly("east-1", "lab-1");
        assertThatThrownBy(() -> config.clustersOf(java.util.Optional.of("prod")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("no cluster group 'prod'")
                .hasMessageContaining("production, staging");
    }
}
