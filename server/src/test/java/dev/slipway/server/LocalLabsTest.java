package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.api.SlipwayClient;
import dev.slipway.core.render.SecretSource;
import dev.slipway.kube.KubeClusterTargets;
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
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/**
 * A server without a clusters file runs each lab's commit as local processes behind its own router, where the
 * lab answers on its host name; lab down, the reaper and a restart act on those processes.
 */
class LocalLabsTest {

    @TempDir
    Path root;

    GitRepo repo;
    String first;
    String second;
    ServerConfig config;
    MutableClock clock = MutableClock.of(java.time.Instant.now(), java.time.ZoneOffset.UTC);
    SlipwayServer server;
    ApiClient admin;

    @BeforeEach
    void start() {
        repo = GitRepo.init(root.resolve("repo"));
        repo.write("apps/shop/slipway.yaml", """
                app: shop
                services:
                  - name: web
                    run: exec python3 web.py
                    health: /healthz
                """);
        repo.write("apps/shop/web.py", web("v1"));
        first = repo.commit("first");
        repo.write("apps/shop/web.py", web("v2"));
        second = repo.commit("second");
        config = ServerConfig.localLabs(root.resolve("state"))
                .withServerId("local-labs-test")
                .withRouterPort(0)
                .withDeployTimeout(Duration.ofSeconds(30))
                .withReaperInterval(Duration.ofHours(1));
        server = start(config);
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        ApiClient.Reply registered =
                admin.post("/api/apps", "{\"directory\": \"" + repo.root.resolve("apps/shop") + "\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        for (String sha : List.of(first, second)) {
            admin.post(
                    "/api/ci/statuses",
                    "{\"repo\": \"acme/shop\", \"sha\": \"" + sha + "\", \"context\": \"ci\", \"state\": \"success\"}");
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aLabAnswersOnItsHostThroughTheServersRouterAndLabDownStopsItsProcesses() throws IOException {
        JsonNode up = labUp("feature/login", first);
        int port = server.labRouterPort().orElseThrow();
        assertThat(up.get("lab").get("url").asText()).isEqualTo("http://feature-login.shop.localhost:" + port + "/");

        JsonNode deploy = admin.awaitDeploy(up.get("deploy").get("id").asLong());

        assertThat(deploy.get("state").asText()).as(deploy.toString()).isEqualTo("succeeded");
        assertThat(deploy.get("clusters"))
                .extracting(c -> c.get("cluster").asText() + ":"
                        + c.get("state").asText() + ":" + c.get("revision").asInt())
                .containsExactly("local:succeeded:1");
        String answer = get(port, "feature-login.shop.localhost");
        assertThat(answer).startsWith("200 v1 ");
        assertThat(get(port, "other-branch.shop.localhost")).startsWith("404");
        long pid = Long.parseLong(answer.split(" ")[2]);
        long pgid = pgid(pid);
        assertThat(groupMembers(pgid)).contains(pid);
        SlipwayClient client = SlipwayClient.connect(
                server.url(), config.stateDir().resolve(FirstAdminToken.FILE_NAME), Optional.empty());
        assertThat(client.labs(Optional.of("shop")))
                .singleElement()
                .satisfies(l -> assertThat(l.url()).contains("http://feature-login.shop.localhost:" + port + "/"));

        ApiClient.Reply down =
                admin.delete("/api/labs/" + up.get("lab").get("id").asLong());

        assertThat(down.status()).as(down.body()).isEqualTo(200);
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(groupMembers(pgid))
                .as("nothing of the lab's process group is left")
                .isEmpty();
        assertThat(get(port, "feature-login.shop.localhost")).startsWith("404");
        assertThat(admin.audit("lab.delete"))
                .anySatisfy(e -> assertThat(e.get("details").asText()).contains("local processes", "stopped"));
    }

    @Test
    void aRedeployOfTheLabReplacesItsProcessesWhileItKeepsServing() throws Exception {
        JsonNode up = labUp("feature/login", first);
        admin.awaitDeploy(up.get("deploy").get("id").asLong());
        int port = server.labRouterPort().orElseThrow();
        String before = get(port, "feature-login.shop.localhost");
        assertThat(before).startsWith("200 v1 ");

        JsonNode redeploy = labUp("feature/login", second);
        long id = redeploy.get("deploy").get("id").asLong();
        List<String> answers = new CopyOnWriteArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            answers.add(get(port, "feature-login.shop.localhost"));
            String state = admin.get("/api/deploys/" + id).json().get("state").asText();
            return !state.equals("queued") && !state.equals("running");
        });

        JsonNode done = admin.get("/api/deploys/" + id).json();
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.get("clusters").get(0).get("revision").asInt()).isEqualTo(2);
        assertThat(answers).allSatisfy(a -> assertThat(a).startsWith("200 "));
        assertThat(get(port, "feature-login.shop.localhost")).startsWith("200 v2 ");
        long oldPid = Long.parseLong(before.split(" ")[2]);
        assertThat(ProcessHandle.of(oldPid).filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void aCommitThatCannotRunLocallyFailsItsDeployAndSaysWhy() {
        repo.write("apps/shop/slipway.yaml", """
                app: shop
                services:
                  - name: web
                    image: shop/web:1
                """);
        String imageOnly = repo.commit("image only");
        admin.post(
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \"" + imageOnly
                        + "\", \"context\": \"ci\", \"state\": \"success\"}");

        JsonNode deploy = admin.awaitDeploy(
                labUp("feature/image", imageOnly).get("deploy").get("id").asLong());

        assertThat(deploy.get("state").asText()).isEqualTo("failed");
        assertThat(deploy.get("message").asText()).contains("has a run: command");
        assertThat(deploy.get("clusters").get(0).get("state").asText()).isEqualTo("failed");
    }

    @Test
    void aLabWhoseFirstDeployCrashesFailsAtOnceWithItsLastOutputAndLeavesNothingRunning() {
        repo.write("apps/shop/web.py", "print('cannot read settings.toml', flush=True)\nraise SystemExit(3)\n");
        String crashing = repo.commit("crashes at start");
        admin.post(
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \"" + crashing
                        + "\", \"context\": \"ci\", \"state\": \"success\"}");

        long started = System.nanoTime();
        JsonNode deploy = admin.awaitDeploy(
                labUp("fix/crash", crashing).get("deploy").get("id").asLong());
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(deploy.get("state").asText()).isEqualTo("failed");
        assertThat(took).as("a crash loop does not wait out --deploy-timeout").isLessThan(Duration.ofSeconds(20));
        assertThat(deploy.get("message").asText())
                .contains("so it was stopped")
                .contains("exited at once with code 3")
                .contains("cannot read settings.toml");
        assertThat(deploy.get("clusters").get(0).get("state").asText()).isEqualTo("failed");
        assertThat(get(server.labRouterPort().orElseThrow(), "fix-crash.shop.localhost"))
                .as("nothing of the lab runs or is routed")
                .startsWith("404");
    }

    @Test
    void theReaperStopsAnExpiredLabsProcesses() {
        JsonNode up = labUp("fix/typo", first);
        admin.awaitDeploy(up.get("deploy").get("id").asLong());
        int port = server.labRouterPort().orElseThrow();
        String answer = get(port, "fix-typo.shop.localhost");
        assertThat(answer).startsWith("200 v1 ");
        long pid = Long.parseLong(answer.split(" ")[2]);

        clock.add(Duration.ofHours(25));
        SlipwayServer.SweepResult sweep = server.sweepLabsNow();

        assertThat(sweep.deleted()).isEqualTo(1);
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(get(port, "fix-typo.shop.localhost")).startsWith("404");
    }

    @Test
    void aRestartedServerBringsItsLabsBackFromTheirRecordedCommit() {
        JsonNode up = labUp("feature/login", first);
        admin.awaitDeploy(up.get("deploy").get("id").asLong());
        String expiresAt = up.get("lab").get("expiresAt").asText();
        String before = get(server.labRouterPort().orElseThrow(), "feature-login.shop.localhost");
        long pid = Long.parseLong(before.split(" ")[2]);

        server.close();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        clock.add(Duration.ofHours(1));
        server = start(config);
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));

        int port = server.labRouterPort().orElseThrow();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> get(port, "feature-login.shop.localhost").startsWith("200 v1 "));
        assertThat(admin.audit("lab.restore"))
                .anySatisfy(e -> assertThat(e.get("details").asText()).contains(first));
        JsonNode lab =
                admin.get("/api/labs/" + up.get("lab").get("id").asLong()).json();
        assertThat(lab.get("expiresAt").asText())
                .as("a restore is no new deploy")
                .isEqualTo(expiresAt);
        assertThat(lab.get("url").asText()).isEqualTo("http://feature-login.shop.localhost:" + port + "/");
    }

    @Test
    void environmentsCannotBeDeployedWithoutClusters() {
        ApiClient.Reply registered = admin.post("/api/apps", "{\"directory\": \"" + withEnvironment() + "\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);

        ApiClient.Reply deploy = admin.post("/api/apps/prices/environments/production/deploys", "{}");

        assertThat(deploy.status()).isEqualTo(409);
        assertThat(deploy.json().get("problems").get(0).get("fix").asText()).contains("--clusters");
    }

    private Path withEnvironment() {
        Path dir = root.resolve("prices");
        try {
            Files.createDirectories(dir.resolve("kubernetes"));
            Files.writeString(dir.resolve("slipway.yaml"), """
                    app: prices
                    manifests: kubernetes/
                    environments:
                      production: {group: production, namespace: prices}
                    """);
            Files.writeString(dir.resolve("kubernetes/cm.yaml"), """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: settings}
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private SlipwayServer start(ServerConfig serverConfig) {
        return SlipwayServer.start(
                serverConfig, clock, KubeClusterTargets.fromKubeconfig(Optional.empty()), SecretSource.REDACTED);
    }

    private JsonNode labUp(String branch, String sha) {
        ApiClient.Reply up =
                admin.post("/api/apps/shop/labs", "{\"branch\": \"" + branch + "\", \"ref\": \"" + sha + "\"}");
        assertThat(up.status()).as(up.body()).isEqualTo(202);
        return up.json();
    }

    /** GET / through the router with a Host header (what a browser sends for *.localhost): "status body". */
    static String get(int port, String host) {
        return get(port, host, "/");
    }

    /** GET {@code path} through the router with a Host header: "status body". */
    static String get(int port, String host, String path) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String status = response.split(" ", 3)[1];
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            return status + " " + dechunk(body).strip();
        } catch (IOException e) {
            return "failed " + e;
        }
    }

    private static String dechunk(String body) {
        // The router may re-send a body chunked; the test app's bodies are one short line.
        String[] lines = body.split("\r\n");
        return lines.length >= 2 && lines[0].matches("[0-9a-fA-F]+") ? lines[1] : body;
    }

    private static long pgid(long pid) {
        return Long.parseLong(stat(Path.of("/proc", Long.toString(pid)))[2]);
    }

    private static String[] stat(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return new String[] {"Z", "0", "0"};
        }
    }

    /** Living (non-zombie) processes whose process group is {@code pgid}. */
    private static List<Long> groupMembers(long pgid) {
        List<Long> members = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                String[] f = stat(p);
                if (!f[0].equals("Z") && Long.parseLong(f[2]) == pgid) {
                    members.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return members;
    }

    private static String web(String version) {
        return """
                import os, signal, threading
                from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

                class Handler(BaseHTTPRequestHandler):
                    protocol_version = "HTTP/1.0"
                    def do_GET(self):
                        body = b"ok" if self.path == "/healthz" else ("%s %d" % ("VERSION", os.getpid())).encode()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass

                server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
                signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
                server.serve_forever()
                """.replace("VERSION", version);
    }
}
