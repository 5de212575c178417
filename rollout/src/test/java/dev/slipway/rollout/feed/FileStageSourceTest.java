package dev.slipway.rollout.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.router.RouterConfig;
import dev.slipway.router.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fed router following a stages file another process writes: the mechanism {@code slipway rollout run} and
 * {@code slipway router --env} meet by without a server.
 */
class FileStageSourceTest {
    @TempDir
    Path dir;

    // The fixture of ClusterFeedTest, used by composition so its own tests do not run twice.
    final ClusterFeedTest f = new ClusterFeedTest();

    @BeforeEach
    void start() throws IOException {
        f.dir = dir;
        f.start();
    }

    @AfterEach
    void stop() throws Exception {
        f.stop();
    }

    FileStageSource followFile(Path file) {
        FileStageSource source = FileStageSource.follow(file, Duration.ofMillis(50), Clock.systemUTC());
        ClusterGroup group = new ClusterGroup(
                "production",
                false,
                List.of(
                        new Cluster("east-1", "east-1", "east", List.of("127.0.0.1"), 1),
                        new Cluster("west-1", "west-1", "west", List.of("127.0.0.1"), 1)));
        f.feed = ClusterFeed.start(
                f.app.spec(),
                f.production,
                group,
                KubeClusterTargets.fromKubeconfig(Optional.of(f.clusters.kubeconfig())),
                source,
                FeedSettings.on(new RouterConfig.Address("127.0.0.1", 0)));
        return source;
    }

    @Test
    void aRouterFollowsTheStagesTheControllerWritesAndKeepsTheLastGoodOnesOfABrokenFile() throws Exception {
        f.serve(f.east, "stable", "east-stable");
        f.serve(f.west, "stable", "west-stable");
        f.serve(f.east, "canary", "east-canary");
        f.serve(f.west, "canary", "west-canary");
        Path file = StageFile.defaultPath(dir.resolve("state"), "shop", "production");
        followFile(file);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> f.feed.router().config().backends().containsKey("web-canary")
                        && f.answers(20).keySet().size() == 2);
        assertThat(f.answers(40)).containsOnlyKeys("east-stable", "west-stable");

        // what the rollout controller does through its Traffic: east's canary gets everything of east
        StageFileTraffic traffic = StageFileTraffic.under(dir.resolve("state"));
        RolloutKey key = new RolloutKey("shop", "production");
        traffic.setStage(key, "east-1", Stage.full());
        await().atMost(Duration.ofSeconds(5)).until(() -> f.answers(20).containsKey("east-canary"));
        assertThat(f.answers(60)).containsOnlyKeys("east-canary", "west-stable");
        assertThat(f.feed.router()
                        .config()
                        .routes()
                        .get(0)
                        .migration()
                        .orElseThrow()
                        .stage())
                .isEqualTo(Stage.percent(50));

        // a file someone broke: the router keeps the last stages and says it is stale
        // Written whole (to a temporary file, then moved): a reader must never see it half-written and empty.
        Path broken = Files.writeString(file.resolveSibling("broken.tmp"), "{broken");
        Files.move(
                broken,
                file,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> f.admin("/healthz").path("status").asText().equals("degraded"));
        assertThat(f.admin("/healthz")
                        .path("source")
                        .path(ClusterFeed.STAGES_SOURCE)
                        .asText())
                .startsWith("stale since ")
                .contains("is not JSON");
        assertThat(f.answers(40)).containsOnlyKeys("east-canary", "west-stable");

        // the controller writes again (abort: off): followed, and fresh again
        traffic.setStage(key, "east-1", Stage.off());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> f.answers(20).keySet().stream().noneMatch(a -> a.endsWith("-canary")));
        assertThat(f.admin("/healthz").path("status").asText()).isEqualTo("ok");
    }
}
