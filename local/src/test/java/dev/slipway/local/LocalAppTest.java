package dev.slipway.local;

import static dev.slipway.local.LocalFixture.awaitGroupsGone;
import static dev.slipway.local.LocalFixture.get;
import static dev.slipway.local.LocalFixture.groupMembers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.slipway.core.spec.App;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalAppTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final LocalFixture.Captured logs = new LocalFixture.Captured();

    @Test
    void eachReplicaGetsItsOwnPortAndAnswersOnIt() {
        App app = LocalFixture.app(
                dir, "demo", "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    replicas: 2\n");
        try (LocalApp local = LocalApp.start(app, 1, LocalFixture.options(logs, 2, Map.of()), l -> {})) {
            local.awaitReady(WAIT);
            List<ReplicaStatus> status = local.status();
            assertThat(status).hasSize(4).allMatch(ReplicaStatus::ready);
            assertThat(status.stream().map(ReplicaStatus::port).distinct()).hasSize(4);
            ReplicaStatus second = status.get(3);
            assertThat(get(second.port(), "/whoami")).startsWith("200 local-2 1 ");
        }
    }

    @Test
    void linesCarryMetadataAndSecretsReachTheChildButNeverTheLogs() {
        App app = LocalFixture.app(
                dir,
                "demo",
                "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    replicas: 1\n"
                        + "    env: {ECHO_VAR: API_TOKEN, GREETING: hello}\n    secrets: [API_TOKEN]\n");
        String secret = "s3cr3t-value-42";
        try (LocalApp local =
                LocalApp.start(app, 7, LocalFixture.options(logs, 1, Map.of("API_TOKEN", secret)), l -> {})) {
            local.awaitReady(WAIT);
            int port = local.status().get(0).port();
            assertThat(get(port, "/env/API_TOKEN")).isEqualTo("200 " + secret);
            assertThat(get(port, "/env/GREETING")).isEqualTo("200 hello");
            await().atMost(WAIT).until(() -> logs.lines.stream().anyMatch(l -> l.startsWith("listening on")));
        }
        assertThat(logs.lines).noneMatch(l -> l.contains(secret));
        assertThat(logs.lines)
                .anyMatch(l -> l.startsWith("listening on")
                        && l.contains("echo: " + SecretMask.MASK)
                        && l.endsWith(" app=demo env=local service=web replica=0 cluster=local-1 rev=7"));
    }

    @Test
    void aKilledReplicaIsRestartedOnAFreshPortAndCounted() throws IOException {
        App app = LocalFixture.app(
                dir, "demo", "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    replicas: 1\n");
        try (LocalApp local = LocalApp.start(app, 1, LocalFixture.options(logs, 1, Map.of()), l -> {})) {
            local.awaitReady(WAIT);
            ReplicaStatus before = local.status().get(0);
            new ProcessBuilder("kill", "-KILL", Long.toString(before.pid()))
                    .start()
                    .onExit()
                    .join();
            await().atMost(WAIT).untilAsserted(() -> {
                ReplicaStatus now = local.status().get(0);
                assertThat(now.ready()).isTrue();
                assertThat(now.restarts()).isEqualTo(1);
                assertThat(now.pid()).isNotEqualTo(before.pid());
            });
            assertThat(get(local.status().get(0).port(), "/healthz")).isEqualTo("200 ok");
            awaitGroupsGone(List.of(before.pid()));
        }
    }

    @Test
    void aMissingCommandIsExplainedAndTheOtherServiceKeepsRunning() {
        App app = LocalFixture.app(
                dir,
                "demo",
                "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    replicas: 1\n"
                        + "  - name: broken\n    run: no-such-binary --serve\n    health: /healthz\n    replicas: 1\n");
        try (LocalApp local = LocalApp.start(app, 1, LocalFixture.options(logs, 1, Map.of()), l -> {})) {
            assertThatThrownBy(() -> local.awaitReady(Duration.ofSeconds(8)))
                    .isInstanceOf(LocalRunException.class)
                    .hasMessageContaining("broken/local-1/0: service broken: run command not found (exit 127)")
                    .hasMessageContaining("fix run: in slipway.yaml")
                    .hasMessageNotContaining("web/");
            assertThat(local.status().get(0).ready()).isTrue();
            assertThat(local.status().get(1).restarts()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aServiceThatIgnoresPortAndHitsATakenPortIsToldToListenOnPort() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            App app = LocalFixture.app(
                    dir,
                    "demo",
                    "  - name: fixed\n    run: PORT=" + taken.getLocalPort()
                            + " exec python3 server.py\n    health: /healthz\n    replicas: 1\n");
            try (LocalApp local = LocalApp.start(app, 1, LocalFixture.options(logs, 1, Map.of()), l -> {})) {
                await().atMost(WAIT)
                        .untilAsserted(() -> assertThat(local.status().get(0).problem())
                                .hasValueSatisfying(p -> assertThat(p)
                                        .contains("service fixed: exited at once with code 1")
                                        .contains("Address already in use")
                                        .contains("listen on $PORT")));
            }
        }
    }

    @Test
    void aHealthPathThatNeverAnswersIsNamedWithWhatToDo() {
        App app = LocalFixture.app(
                dir, "demo", "  - name: web\n    run: exec python3 server.py\n    health: /ready\n    replicas: 1\n");
        try (LocalApp local = LocalApp.start(app, 1, LocalFixture.options(logs, 1, Map.of()), l -> {})) {
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(local.status().get(0).problem())
                            .hasValueSatisfying(p -> assertThat(p)
                                    .contains("service web: health path /ready did not answer 2xx")
                                    .contains("HTTP 404")
                                    .contains("or fix health: in slipway.yaml")));
        }
    }

    @Test
    void stopLeavesNoProcessOfAnyGroup() {
        App app = LocalFixture.app(
                dir,
                "demo",
                "  - name: web\n    run: sleep 600 & exec python3 server.py\n    health: /healthz\n    replicas: 2\n");
        List<Long> groups;
        try (LocalApp local = LocalApp.start(app, 1, LocalFixture.options(logs, 1, Map.of()), l -> {})) {
            local.awaitReady(WAIT);
            groups = local.status().stream().map(ReplicaStatus::pid).toList();
            // the app, its background sleep and the watchdog share each group
            groups.forEach(g -> assertThat(groupMembers(g)).hasSizeGreaterThanOrEqualTo(3));
        }
        // SIGKILLed members of a group take a moment to leave the process table
        groups.forEach(g -> await().atMost(Duration.ofSeconds(5))
                .until(() -> groupMembers(g).isEmpty()));
        assertThat(logs.lines).anyMatch(l -> l.contains("[slipway] stopped (exit"));
    }

    @Test
    void redeployStartsEachNewReplicaBeforeStoppingTheOld() {
        App app = LocalFixture.app(
                dir, "demo", "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    replicas: 2\n");
        AtomicBoolean everEmpty = new AtomicBoolean();
        AtomicBoolean watching = new AtomicBoolean();
        try (LocalApp local = LocalApp.start(app, 1, LocalFixture.options(logs, 1, Map.of()), l -> {
            if (watching.get() && l.status().stream().noneMatch(ReplicaStatus::ready)) {
                everEmpty.set(true);
            }
        })) {
            local.awaitReady(WAIT);
            List<Long> oldPids = local.status().stream().map(ReplicaStatus::pid).toList();
            watching.set(true);
            local.redeploy(app, 2, WAIT);
            assertThat(local.status()).hasSize(2).allMatch(s -> s.ready() && s.id().rev() == 2);
            assertThat(local.status().stream().map(ReplicaStatus::pid)).doesNotContainAnyElementsOf(oldPids);
            assertThat(everEmpty).isFalse();
            awaitGroupsGone(oldPids);
        }
    }

    @Test
    void aRedeployThatDoesNotBecomeReadyIsUndoneAndTheRunningRevisionKeepsServing() throws IOException {
        App app = LocalFixture.app(
                dir, "demo", "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    replicas: 2\n");
        // rev 2's first replica is fine, its second one crashes: the first must be replaced back
        App broken = LocalFixture.app(
                java.nio.file.Files.createDirectories(dir.resolve("v2")),
                "demo",
                "  - name: web\n    run: '[ \"$SLIPWAY_REPLICA\" = 1 ] && exit 3; exec python3 server.py'\n"
                        + "    health: /healthz\n    replicas: 2\n");
        List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (LocalApp local = LocalApp.start(app, 1, LocalFixture.options(logs, 1, Map.of()), l -> {})) {
            local.awaitReady(WAIT);
            assertThatThrownBy(() -> local.redeploy(broken, 2, Duration.ofSeconds(3), progress::add))
                    .isInstanceOf(LocalRunException.class)
                    .hasMessageContaining("web/local-1/1 (rev 2)");
            assertThat(local.rev()).isEqualTo(1);
            assertThat(local.status()).hasSize(2).allMatch(s -> s.ready() && s.id().rev() == 1);
            assertThat(progress)
                    .anyMatch(l -> l.startsWith("web/local-1/0: rev 2 ready on port"))
                    .contains("rev 2 failed; going back to rev 1")
                    .anyMatch(l -> l.startsWith("web/local-1/0: rev 1 ready"));
        }
    }
}
