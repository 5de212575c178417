package dev.slipway.local;

import static dev.slipway.local.LocalFixture.groupMembers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Slipway itself dies (SIGTERM runs the shutdown hook; SIGKILL leaves it to the watchdog): nothing remains. */
class NoOrphanTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "KILL"})
    void noProcessOfAnyReplicaGroupOutlivesSlipway(String signal) throws IOException {
        LocalFixture.app(
                dir,
                "demo",
                "  - name: web\n    run: sleep 600 & exec python3 server.py\n    health: /healthz\n    replicas: 2\n");
        Process slipway = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        OrphanProbe.class.getName(),
                        dir.toString())
                .redirectErrorStream(true)
                .start();
        List<Long> groups = new ArrayList<>();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(slipway.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                if (line.startsWith("pgid ")) {
                    groups.add(Long.parseLong(line.substring(5)));
                }
            }
            assertThat(groups).hasSize(2);
            groups.forEach(g -> assertThat(groupMembers(g)).hasSizeGreaterThanOrEqualTo(3));
            new ProcessBuilder("kill", "-" + signal, Long.toString(slipway.pid()))
                    .start()
                    .onExit()
                    .join();
            slipway.onExit().join();
        } finally {
            slipway.destroyForcibly();
        }
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(
                        () -> groups.forEach(g -> assertThat(groupMembers(g)).isEmpty()));
    }
}
