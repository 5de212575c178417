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
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code slipway up}, then {@code slipway up --next} of the same app in a second JVM, then
 * {@code slipway traffic}: requests through the router reach rev 2 only as the stage says.
 */
class TrafficCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String SERVER = String.join(
            "\n",
            "import os",
            "from http.server import BaseHTTPRequestHandler, HTTPServer",
            "class H(BaseHTTPRequestHandler):",
            "    def do_GET(self):",
            "        body = ('rev=' + os.environ['SLIPWAY_REV']).encode()",
            "        self.send_response(200)",
            "        self.send_header('Content-Length', str(len(body)))",
            "        self.end_headers()",
            "        self.wfile.write(body)",
            "    def log_message(self, *args):",
            "        pass",
            "HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()",
            "");

    @TempDir
    Path home;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void stagesMoveRequestsBetweenTheRunningAndTheNextRevision() throws Exception {
        Path app = Files.createDirectories(home.resolve("demo"));
        Files.writeString(app.resolve("server.py"), SERVER);
        Files.writeString(
                app.resolve("slipway.yaml"),
                "app: demo\nservices:\n  - name: web\n    run: exec python3 server.py\n    health: /healthz\n"
                        + "    replicas: 1\n");
        Path state = home.resolve("state");
        CliRun cli = new CliRun(home, home).env("SLIPWAY_STATE_DIR", state.toString());

        Process up = start(state, "up.out", "up", app.toString(), "--port", "0", "--grace", "2s");
        JsonNode running = awaitReady(up, state.resolve("run/demo.json"), home.resolve("up.out"));
        String base = running.path("url").asText().replace("demo.localhost", "127.0.0.1");
        assertThat(get(base, false)).isEqualTo("rev=1");

        CliRun.Result early = cli.run("traffic", "demo", "--stage", "full");
        assertThat(early.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(early.err()).contains("slipway up --next");

        Process next = start(state, "next.out", "up", "--next", app.toString(), "--grace", "2s");
        awaitReady(next, state.resolve("run/demo/next.json"), home.resolve("next.out"));
        assertThat(Files.readString(state.resolve("run/demo/next.json"))).contains("\"rev\" : 2");
        assertThat(cli.run("ps").out())
                .contains("demo next revision (slipway up --next)  pid " + next.pid() + "  ready")
                .contains("local-1  0        2    ready");
        // the running up rewrites its router config when next.json changes; until then no route migrates
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        cli.run("traffic", "demo", "--stage", "percent=100").exitCode() == 0);
        assertThat(responses(base, false)).containsOnly("rev=2");

        CliRun.Result rollback = cli.run("traffic", "demo", "--stage", "rollback");
        assertThat(rollback.out()).contains("route demo-web: stage off");
        assertThat(responses(base, false)).containsOnly("rev=1");

        assertThat(cli.run("traffic", "demo", "--stage", "optin").exitCode()).isZero();
        assertThat(responses(base, false)).containsOnly("rev=1");
        assertThat(responses(base, true)).containsOnly("rev=2");

        assertThat(cli.run("traffic", "demo", "--stage", "full").exitCode()).isZero();
        assertThat(responses(base, false)).containsOnly("rev=2");

        CliRun.Result bad = cli.run("traffic", "demo", "--stage", "most");
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(bad.err()).contains("--stage").contains("'most' is not a migration stage");

        // stopping the next revision takes the migration off the routes: rev 1 serves everything again
        next.destroy();
        assertThat(next.onExit().get().exitValue()).isNotEqualTo(137);
        assertThat(state.resolve("run/demo/next.json")).doesNotExist();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> responses(base, false).equals(Set.of("rev=1")));

        // slipway down stops the app with its next revision
        Process again = start(state, "next2.out", "up", "--next", app.toString(), "--grace", "2s");
        awaitReady(again, state.resolve("run/demo/next.json"), home.resolve("next2.out"));
        CliRun.Result down = cli.run("down", "demo");
        assertThat(down.out()).contains("stopped demo with its next revision");
        assertThat(again.onExit().get().exitValue()).isNotEqualTo(137);
        assertThat(up.onExit().get().exitValue()).isNotEqualTo(137);
    }

    @Test
    void nextRevisionAndTrafficNeedARunningApp() throws IOException {
        Path app = Files.createDirectories(home.resolve("demo"));
        Files.writeString(app.resolve("server.py"), SERVER);
        Files.writeString(
                app.resolve("slipway.yaml"),
                "app: demo\nservices:\n  - name: web\n    run: exec python3 server.py\n    health: /healthz\n");
        CliRun cli = new CliRun(home, home)
                .env("SLIPWAY_STATE_DIR", home.resolve("state").toString());

        CliRun.Result next = cli.run("up", "--next", app.toString());
        assertThat(next.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(next.err()).contains("app 'demo' does not run locally").contains("slipway up " + app);

        CliRun.Result traffic = cli.run("traffic", "demo", "--stage", "full");
        assertThat(traffic.exitCode()).isEqualTo(ExitCodes.USER_ERROR);
        assertThat(traffic.err()).contains("app 'demo' does not run locally");
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

    private static JsonNode awaitReady(Process p, Path file, Path output) {
        await().atMost(Duration.ofSeconds(40))
                .failFast(
                        "slipway exited",
                        () -> assertThat(p.isAlive()).as(() -> text(output)).isTrue())
                .until(() ->
                        Files.exists(file) && read(file).path("phase").asText().equals("ready"));
        return read(file);
    }

    /** What 10 requests through the router answered (distinct bodies). */
    private static Set<String> responses(String base, boolean optIn) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            out.add(get(base, optIn));
        }
        return out;
    }

    private static String get(String base, boolean optIn) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base)).timeout(Duration.ofSeconds(5));
        if (optIn) {
            request.header("Cookie", "slipway-optin=*");
        }
        try {
            HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "HTTP " + r.statusCode();
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
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
