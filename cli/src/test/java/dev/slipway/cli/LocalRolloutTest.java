package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.testkit.TestHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway up} of an app whose environment has a {@code rollout:}, then {@code slipway up --next} in a
 * second JVM: the rollout controller moves the local router's stages on its own, promotes a healthy next
 * revision and aborts one that answers 500, under steady requests through the router.
 */
class LocalRolloutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    // Answers its version (read at start); with mode "fail" every request but the health check gets a 500.
    private static final String SERVER = String.join(
            "\n",
            "import os",
            "from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer",
            "VERSION = open('version').read().strip()",
            "MODE = open('mode').read().strip()",
            "class H(BaseHTTPRequestHandler):",
            "    def do_GET(self):",
            "        failing = MODE == 'fail' and self.path != '/healthz'",
            "        body = ('error' if failing else VERSION).encode()",
            "        self.send_response(500 if failing else 200)",
            "        self.send_header('Content-Length', str(len(body)))",
            "        self.end_headers()",
            "        self.wfile.write(body)",
            "    def log_message(self, *args):",
            "        pass",
            "ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()",
            "");
    private static final String STEPS = "[{percent: 50, for: 2s}, full]";
    private static final String SPEC = String.join(
            "\n",
            "app: demo",
            "environments:",
            "  trial:",
            "    rollout:",
            "      steps: STEPS",
            "      analysis: {interval: 1s, minRequests: 5, maxErrorRate: 1%, maxP99Ratio: 1000}",
            "services:",
            "  - name: web",
            "    image: example.test/demo-web:1",
            "    run: exec python3 server.py",
            "    port: 8000",
            "    health: /healthz",
            "    replicas: 1",
            "");

    @TempDir
    Path home;

    private final List<Process> processes = new ArrayList<>();
    private final AtomicBoolean loading = new AtomicBoolean(true);

    @AfterEach
    void stopAll() {
        loading.set(false);
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void aHealthyNextRevisionIsPromotedOnItsOwnWithNoFailedRequest() throws Exception {
        Path app = app("v1", "ok");
        Path state = home.resolve("state");
        start(state, "up.out", "up", app.toString(), "--port", "0", "--grace", "2s");
        String base = base(state);
        assertThat(get(base)).isEqualTo("200 v1");
        Load load = load(base);

        Files.writeString(app.resolve("version"), "v2");
        Process next = start(state, "next.out", "up", "--next", app.toString(), "--grace", "2s");
        await().atMost(Duration.ofSeconds(90)).until(() -> !next.isAlive());

        String output = text(home.resolve("next.out"));
        assertThat(next.exitValue()).as(output).isZero();
        assertThat(output)
                .contains("rolling it out by the rollout: of environment trial")
                .contains("rollout.start")
                .contains("rollout.step")
                .containsPattern("passed: within limits \\(canary [1-9][0-9]* requests, 0 errors, p99 [0-9]+ms;"
                        + " stable [1-9][0-9]* requests")
                .contains("rollout.promoted")
                .contains("demo rev 2 promoted: slipway up serves it now");
        loading.set(false);
        // the running up serves v2 now, with no migration left
        assertThat(responses(base)).containsOnly("200 v2");
        assertThat(load.answers).contains("200 v1", "200 v2");
        assertThat(load.failed).as("requests that failed during the rollout").isEmpty();
        assertThat(load.count.get()).isGreaterThan(10);

        CliRun cli = new CliRun(home, home).env("SLIPWAY_STATE_DIR", state.toString());
        CliRun.Result status = cli.run("rollout", "status", "demo", "--env", "trial");
        assertThat(status.out()).contains("promoted").contains("local");
    }

    @Test
    void aNextRevisionAnswering500IsAbortedOnItsOwnAndTheRunningOneServes() throws Exception {
        Path app = app("v1", "ok");
        Path state = home.resolve("state");
        start(state, "up.out", "up", app.toString(), "--port", "0", "--grace", "2s");
        String base = base(state);
        load(base);

        Files.writeString(app.resolve("version"), "v2");
        Files.writeString(app.resolve("mode"), "fail");
        Process next = start(state, "next.out", "up", "--next", app.toString(), "--grace", "2s");
        await().atMost(Duration.ofSeconds(90)).until(() -> !next.isAlive());

        String output = text(home.resolve("next.out"));
        assertThat(next.exitValue()).as(output).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(output)
                .contains("rollout.abort")
                .contains("breach: error rate")
                .contains("above maxErrorRate 1%")
                .contains("demo rev 2 not promoted");
        assertThat(state.resolve("run/demo/next.json")).doesNotExist();
        assertThat(responses(base)).containsOnly("200 v1");

        CliRun cli = new CliRun(home, home).env("SLIPWAY_STATE_DIR", state.toString());
        CliRun.Result status = cli.run("rollout", "status", "demo", "--env", "trial");
        assertThat(status.out()).contains("aborted").contains("error rate");
    }

    @Test
    void withManualTheNextRevisionWaitsForTrafficCommands() throws Exception {
        Path app = app("v1", "ok");
        Path state = home.resolve("state");
        start(state, "up.out", "up", app.toString(), "--port", "0", "--grace", "2s");
        String base = base(state);

        Files.writeString(app.resolve("version"), "v2");
        Process next = start(state, "next.out", "up", "--next", "--manual", app.toString(), "--grace", "2s");
        await().atMost(Duration.ofSeconds(40))
                .failFast(
                        "slipway up --next exited",
                        () -> assertThat(next.isAlive())
                                .as(() -> text(home.resolve("next.out")))
                                .isTrue())
                .until(() -> text(home.resolve("next.out")).contains("move traffic with: slipway traffic demo"));
        assertThat(text(home.resolve("next.out"))).doesNotContain("rollout.start");
        assertThat(responses(base)).containsOnly("200 v1");
        CliRun cli = new CliRun(home, home).env("SLIPWAY_STATE_DIR", state.toString());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cli.run("traffic", "demo", "--stage", "full").exitCode() == 0);
        assertThat(responses(base)).containsOnly("200 v2");
    }

    @Test
    void anOptInStepWaitsForRolloutResumeFromAnotherTerminal() throws Exception {
        Path app = app("v1", "ok", "[optin, {percent: 50, for: 2s}, full]");
        Path state = home.resolve("state");
        start(state, "up.out", "up", app.toString(), "--port", "0", "--grace", "2s");
        String base = base(state);
        Load load = load(base);

        Files.writeString(app.resolve("version"), "v2");
        Process next = start(state, "next.out", "up", "--next", app.toString(), "--grace", "2s");
        CliRun cli = new CliRun(home, home).env("SLIPWAY_STATE_DIR", state.toString());
        await().atMost(Duration.ofSeconds(40))
                .failFast(
                        "slipway up --next exited",
                        () -> assertThat(next.isAlive())
                                .as(() -> text(home.resolve("next.out")))
                                .isTrue())
                .until(() -> get(base, true).equals("200 v2"));
        // only opted-in clients reach the next revision, and the step holds until someone moves it on
        assertThat(responses(base)).containsOnly("200 v1");
        assertThat(cli.run("rollout", "status", "demo", "--env", "trial").out()).contains("paused");

        CliRun.Result resume = cli.run("rollout", "resume", "demo", "--env", "trial");
        assertThat(resume.exitCode()).as(resume.err()).isZero();
        assertThat(resume.out()).contains("step 2/3 50% for 2s");
        await().atMost(Duration.ofSeconds(60)).until(() -> !next.isAlive());
        String output = text(home.resolve("next.out"));
        assertThat(next.exitValue()).as(output).isZero();
        assertThat(output).contains("step 3/3 full").contains("demo rev 2 promoted");
        loading.set(false);
        assertThat(responses(base)).containsOnly("200 v2");
        assertThat(load.failed).as("requests that failed during the rollout").isEmpty();
    }

    @Test
    void rolloutAbortFromAnotherTerminalStopsTheNextRevision() throws Exception {
        Path app = app("v1", "ok", "[optin, {percent: 50, for: 2s}, full]");
        Path state = home.resolve("state");
        start(state, "up.out", "up", app.toString(), "--port", "0", "--grace", "2s");
        String base = base(state);

        Files.writeString(app.resolve("version"), "v2");
        Process next = start(state, "next.out", "up", "--next", app.toString(), "--grace", "2s");
        await().atMost(Duration.ofSeconds(40))
                .failFast(
                        "slipway up --next exited",
                        () -> assertThat(next.isAlive())
                                .as(() -> text(home.resolve("next.out")))
                                .isTrue())
                .until(() -> get(base, true).equals("200 v2"));

        CliRun cli = new CliRun(home, home).env("SLIPWAY_STATE_DIR", state.toString());
        CliRun.Result abort = cli.run("rollout", "abort", "demo", "--env", "trial", "--reason", "not today");
        assertThat(abort.exitCode()).as(abort.err()).isZero();
        assertThat(abort.out()).contains("rollout.abort").contains("runs this rollout's tracks");
        await().atMost(Duration.ofSeconds(30)).until(() -> !next.isAlive());
        String output = text(home.resolve("next.out"));
        assertThat(next.exitValue()).as(output).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(output).contains("rollout.canary-removed").contains("not today");
        assertThat(responses(base)).containsOnly("200 v1");
        assertThat(get(base, true)).isEqualTo("200 v1");
    }

    @Test
    void stoppingUpNextAbortsItsRolloutAndTheNextOneStartsAfresh() throws Exception {
        Path app = app("v1", "ok", "[optin, {percent: 50, for: 2s}, full]");
        Path state = home.resolve("state");
        start(state, "up.out", "up", app.toString(), "--port", "0", "--grace", "2s");
        String base = base(state);
        CliRun cli = new CliRun(home, home).env("SLIPWAY_STATE_DIR", state.toString());

        Files.writeString(app.resolve("version"), "v2");
        Process next = start(state, "next.out", "up", "--next", app.toString(), "--grace", "2s");
        await().atMost(Duration.ofSeconds(40))
                .failFast(
                        "slipway up --next exited",
                        () -> assertThat(next.isAlive())
                                .as(() -> text(home.resolve("next.out")))
                                .isTrue())
                .until(() -> get(base, true).equals("200 v2"));
        next.destroy(); // as Ctrl-C
        assertThat(next.onExit().get().exitValue()).isNotEqualTo(137);
        assertThat(get(base, true)).isEqualTo("200 v1");
        assertThat(cli.run("rollout", "status", "demo", "--env", "trial").out())
                .contains("aborted")
                .contains("slipway up --next stopped");

        Process again = start(state, "next2.out", "up", "--next", app.toString(), "--grace", "2s");
        await().atMost(Duration.ofSeconds(40))
                .failFast(
                        "slipway up --next exited",
                        () -> assertThat(again.isAlive())
                                .as(() -> text(home.resolve("next2.out")))
                                .isTrue())
                .until(() -> get(base, true).equals("200 v2"));
        assertThat(text(home.resolve("next2.out"))).contains("rollout.start").contains("step 1/3 optin");
    }

    private Path app(String version, String mode) throws IOException {
        return app(version, mode, STEPS);
    }

    private Path app(String version, String mode, String steps) throws IOException {
        Path app = Files.createDirectories(home.resolve("demo"));
        Files.writeString(app.resolve("server.py"), SERVER);
        Files.writeString(app.resolve("version"), version);
        Files.writeString(app.resolve("mode"), mode);
        Files.writeString(app.resolve("slipway.yaml"), SPEC.replace("STEPS", steps));
        return app;
    }

    /** The running up's router, once the app is ready. */
    private String base(Path state) {
        Path file = state.resolve("run/demo.json");
        Process up = processes.get(0);
        await().atMost(Duration.ofSeconds(40))
                .failFast(
                        "slipway up exited",
                        () -> assertThat(up.isAlive())
                                .as(() -> text(home.resolve("up.out")))
                                .isTrue())
                .until(() ->
                        Files.exists(file) && read(file).path("phase").asText().equals("ready"));
        return read(file).path("url").asText().replace("demo.localhost", "127.0.0.1");
    }

    /** Steady requests through the router until the test ends, as a user's clients would send them. */
    private record Load(Set<String> answers, Queue<String> failed, AtomicInteger count) {}

    private Load load(String base) {
        Load load = new Load(ConcurrentHashMap.newKeySet(), new ConcurrentLinkedQueue<>(), new AtomicInteger());
        Thread t = new Thread(
                () -> {
                    while (loading.get()) {
                        String answer = get(base);
                        load.count.incrementAndGet();
                        load.answers.add(answer);
                        if (!answer.startsWith("200 ")) {
                            load.failed.add(answer);
                        }
                    }
                },
                "load");
        t.setDaemon(true);
        t.start();
        return load;
    }

    private Process start(Path state, String output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve(output).toFile());
        TestHome.isolate(pb.environment(), home);
        pb.environment().put("SLIPWAY_STATE_DIR", state.toString());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** What 10 requests through the router answered (distinct status and body). */
    private static Set<String> responses(String base) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            out.add(get(base));
        }
        return out;
    }

    private static String get(String base) {
        return get(base, false);
    }

    private static String get(String base, boolean optIn) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base)).timeout(Duration.ofSeconds(5));
        if (optIn) {
            builder.header("X-Slipway-Optin", "*");
        }
        HttpRequest request = builder.build();
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return "failed " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
