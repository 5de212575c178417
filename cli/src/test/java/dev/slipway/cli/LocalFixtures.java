package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.testkit.TestHome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * For tests of {@code slipway up} and what talks to it: a small app whose answer names its revision and lab,
 * {@code slipway} JVMs of their own, state files, and HTTP through the router with any Host header.
 */
final class LocalFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Answers every GET with {@code rev=<SLIPWAY_REV> lab=<SLIPWAY_LAB>}. */
    static final String SERVER = String.join(
            "\n",
            "import os",
            "from http.server import BaseHTTPRequestHandler, HTTPServer",
            "class H(BaseHTTPRequestHandler):",
            "    def do_GET(self):",
            "        body = ('rev=' + os.environ['SLIPWAY_REV'] + ' lab=' + os.environ.get('SLIPWAY_LAB', '')).encode()",
            "        self.send_response(200)",
            "        self.send_header('Content-Length', str(len(body)))",
            "        self.end_headers()",
            "        self.wfile.write(body)",
            "    def log_message(self, *args):",
            "        pass",
            "HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()",
            "");

    private LocalFixtures() {}

    /** App {@code demo}: one service {@code web} running {@link #SERVER} with {@code run}, 2 replicas. */
    static Path demo(Path parent, String run) {
        try {
            Path app = Files.createDirectories(parent.resolve("demo"));
            Files.writeString(app.resolve("server.py"), SERVER);
            Files.writeString(
                    app.resolve("slipway.yaml"),
                    "app: demo\nservices:\n  - name: web\n    run: " + run + "\n    health: /healthz\n"
                            + "    replicas: 2\n");
            return app;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code slipway ARGS} in a JVM of its own, output to {@code output}. */
    static Process start(Path home, Path state, Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        TestHome.isolate(pb.environment(), home);
        pb.environment().put("SLIPWAY_STATE_DIR", state.toString());
        return pb.start();
    }

    /** Waits until {@code file} says phase ready (while {@code alive} holds) and returns it. */
    static JsonNode awaitReady(Path file, java.util.function.BooleanSupplier alive, Path output) {
        await().atMost(Duration.ofSeconds(60))
                .failFast(
                        "slipway exited",
                        () -> assertThat(alive.getAsBoolean())
                                .as(() -> text(output))
                                .isTrue())
                .until(() ->
                        Files.exists(file) && read(file).path("phase").asText().equals("ready"));
        return read(file);
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(no " + file + ")";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The router port of the URL a state file records. */
    static int port(JsonNode state) {
        String url = state.path("url").asText();
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1).replace("/", ""));
    }

    static List<Long> pids(JsonNode state) {
        List<Long> out = new ArrayList<>();
        state.path("replicas").forEach(r -> out.add(r.path("pid").asLong()));
        return out;
    }

    /**
     * {@code GET path} through the router on {@code port} with {@code Host: host} (which the JDK client does not
     * let a caller set); the body when 200, else the status line or the error.
     */
    static String get(int port, String host, String path) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream o = s.getOutputStream();
            o.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = response.indexOf("\r\n\r\n");
            String status = response.substring(0, Math.max(0, response.indexOf("\r\n")));
            return status.contains(" 200 ") && end >= 0 ? response.substring(end + 4) : status;
        } catch (IOException e) {
            return "failed: " + e;
        }
    }
}
