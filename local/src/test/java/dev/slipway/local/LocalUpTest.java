package dev.slipway.local;

import static dev.slipway.local.LocalFixture.awaitGroupsGone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.App;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway up} in-process: its app's environment and its labs are deployed through the one local backend, so
 * the app's first start, its rolling redeploy, a revision that does not come up and a lab all behave as the
 * backend's rules say, seen where a user sees them (answers through the router, the state {@code slipway ps}
 * reads, the status display, the requests' answers).
 */
class LocalUpTest {
    private static final String WEB =
            "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    env: {GREETING: %s}\n";

    @TempDir
    Path dir;

    private final LocalFixture.Captured logs = new LocalFixture.Captured();
    private final List<List<ReplicaStatus>> shown = new CopyOnWriteArrayList<>();
    private final Set<Long> pids = ConcurrentHashMap.newKeySet();
    private LocalUp.Run run;

    @AfterEach
    void stop() {
        if (run != null) {
            run.stop();
        }
    }

    private App app(String name, String services) {
        try {
            return LocalFixture.app(Files.createDirectories(dir.resolve(name)), "demo", services);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LocalUp.Config config() {
        return config((app, names) -> Map.of());
    }

    private LocalUp.Config config(SecretSource secrets) {
        return new LocalUp.Config(
                "local",
                "127.0.0.1",
                0,
                1,
                Duration.ofSeconds(2),
                Optional.empty(),
                secrets,
                (key, secretsDir) -> Optional.empty(),
                Map.of("PATH", System.getenv("PATH"), "HOME", dir.toString()),
                Map.of(),
                Clock.systemUTC());
    }

    @Test
    void theAppAndItsLabRunThroughTheOneLocalBackendAndARevisionThatDoesNotComeUpIsUndone() {
        LocalState state = LocalState.at(dir.resolve("state"));
        App v1 = app("v1", WEB.formatted("one"));
        StringWriter said = new StringWriter();
        run = LocalUp.start(state, v1, v1.directory(), config(), logs, new PrintWriter(said), (status, url) -> {
            shown.add(status);
            status.forEach(s -> pids.add(s.pid()));
        });
        int port = run.routerAddress().getPort();

        assertThat(run.awaitReady()).isEmpty();
        assertThat(viaRouter(port, "demo.localhost")).isEqualTo("200 one");
        LocalState.Running running = state.read("demo").orElseThrow();
        assertThat(running.phase()).isEqualTo("ready");
        assertThat(revs(running.replicas())).containsExactly(1);
        assertThat(shown).anyMatch(s -> s.size() == 1 && s.get(0).ready());

        App lab = app("lab", WEB.formatted("lab"));
        LocalRequests.Outcome labUp = LocalLabRequests.up(
                state,
                running,
                new LocalLabRequests.LabUp(
                        "feature-x", lab.directory(), "abc1234", Optional.empty(), Optional.empty(), Optional.empty()),
                new PrintWriter(new StringWriter()));
        assertThat(labUp.ok()).as(labUp.message()).isTrue();
        assertThat(viaRouter(port, "feature-x.demo.localhost")).isEqualTo("200 lab");
        assertThat(state.labs("demo")).singleElement().satisfies(l -> {
            assertThat(l.rev()).isEqualTo(1);
            assertThat(l.phase()).isEqualTo("ready");
        });

        App v2 = app("v2", WEB.formatted("two"));
        LocalRequests.Outcome redeployed =
                LocalUp.redeploy(state, running, v2, v2.directory(), Map.of(), new PrintWriter(new StringWriter()));
        assertThat(redeployed.ok()).as(redeployed.message()).isTrue();
        assertThat(redeployed.message()).startsWith("demo rev 2 serves").endsWith("(was rev 1)");
        assertThat(viaRouter(port, "demo.localhost")).isEqualTo("200 two");
        assertThat(revs(state.read("demo").orElseThrow().replicas())).containsExactly(2);
        assertThat(viaRouter(port, "feature-x.demo.localhost")).isEqualTo("200 lab");

        App broken = app("broken", "  - name: web\n    run: echo cannot open settings.toml; exit 3\n");
        StringWriter progress = new StringWriter();
        LocalRequests.Outcome refused =
                LocalUp.redeploy(state, running, broken, broken.directory(), Map.of(), new PrintWriter(progress));
        assertThat(refused.ok()).isFalse();
        assertThat(refused.message())
                .startsWith("rev 3 did not become ready, so rev 2 keeps serving:")
                .contains("last output: cannot open settings.toml")
                .contains("Fix it and run slipway up " + broken.directory() + " again");
        assertThat(progress.toString()).contains("rev 3 failed; going back to rev 2");
        assertThat(viaRouter(port, "demo.localhost")).isEqualTo("200 two");
        LocalState.Running after = state.read("demo").orElseThrow();
        assertThat(after.phase()).isEqualTo("ready");
        assertThat(revs(after.replicas())).containsExactly(2);

        assertThat(run.stop()).isTrue();
        run = null;
        assertThat(state.read("demo")).isEmpty();
        assertThat(state.labs("demo")).isEmpty();
        assertThat(pids).isNotEmpty();
        awaitGroupsGone(pids);
        assertThat(said.toString()).contains("stopped lab feature-x of demo");
    }

    @Test
    void anAppWhoseFirstDeployDoesNotComeUpKeepsRunningDegradedAndSaysWhy() {
        LocalState state = LocalState.at(dir.resolve("state"));
        App crashing = app("crash", "  - name: web\n    run: echo cannot open settings.toml; exit 3\n");
        run = LocalUp.start(
                state,
                crashing,
                crashing.directory(),
                config(),
                logs,
                new PrintWriter(new StringWriter()),
                (status, url) -> {});

        Optional<List<String>> notReady = run.awaitReady();

        assertThat(notReady)
                .hasValueSatisfying(lines -> assertThat(lines)
                        .singleElement()
                        .asString()
                        .startsWith("web/local-1/0")
                        .contains("last output: cannot open settings.toml"));
        LocalState.Running running = state.read("demo").orElseThrow();
        assertThat(running.phase()).isEqualTo("degraded");
        assertThat(revs(running.replicas())).containsExactly(1);
    }

    @Test
    void anAppWhoseSecretIsMissingIsRefusedBeforeAnythingStarts() {
        LocalState state = LocalState.at(dir.resolve("state"));
        App needsSecret = app(
                "secret",
                "  - name: web\n    run: exec python3 server.py\n    health: /healthz\n    secrets: [API_TOKEN]\n");
        SecretSource none = (app, names) -> {
            throw new InvalidInputException(
                    new Problem("secret store", "a secret of app " + app + " is not set", "slipway secret set ..."));
        };

        assertThatThrownBy(() -> LocalUp.start(
                        state,
                        needsSecret,
                        needsSecret.directory(),
                        config(none),
                        logs,
                        new PrintWriter(new StringWriter()),
                        (status, url) -> shown.add(status)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("a secret of app demo is not set");
        assertThat(state.read("demo")).isEmpty();
        assertThat(state.adminFile("demo")).doesNotExist();
        assertThat(shown).isEmpty();
        assertThat(logs.lines).isEmpty();
    }

    private static List<Integer> revs(JsonNode replicas) {
        List<Integer> revs = new ArrayList<>();
        replicas.forEach(r -> revs.add(r.path("rev").asInt()));
        return revs;
    }

    /** {@code GET /env/GREETING} through the router with {@code Host: host}, as a browser on *.localhost sends it. */
    private static String viaRouter(int port, String host) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /env/GREETING HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String status = response.split(" ", 3)[1];
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            String[] lines = body.split("\r\n");
            // The router may send a short body chunked.
            String text = lines.length >= 2 && lines[0].matches("[0-9a-fA-F]+") ? lines[1] : body;
            return status + " " + text.strip();
        } catch (IOException e) {
            return "failed " + e;
        }
    }
}
