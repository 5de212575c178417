package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.testkit.TestHome;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server process without clusters, started with database credentials and a cloud token in its
 * environment: its labs see none of them; with {@code --lab-user} (as root) they run as that user and cannot open
 * the server's token, database or environment; and a SIGTERM while a lab deploys leaves that deploy interrupted
 * (its log stream ends with the state, a queued deploy's with {@code queued}), resumable after a restart.
 */
class LabProcessShutdownTest {

    private static final String DB_PASSWORD = "control-plane-db-password";
    private static final String CLOUD_TOKEN = "fake-cloud-token-0123456789";
    private static final String LAB_USER = "slipwaylab";

    @TempDir
    Path root;

    GitRepo repo;
    String serving;
    String hanging;
    Process child;
    int run;

    @BeforeEach
    void repository() {
        repo = GitRepo.init(root.resolve("repo"));
        repo.write("apps/shop/slipway.yaml", """
                app: shop
                services:
                  - name: web
                    run: exec python3 web.py
                    health: /healthz
                """);
        repo.write("apps/shop/web.py", """
                import os
                import urllib.parse
                from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

                def attempt(path):
                    try:
                        with open(path, "rb") as f:
                            f.read(1)
                        return b"read"
                    except PermissionError:
                        return b"denied"

                class Handler(BaseHTTPRequestHandler):
                    protocol_version = "HTTP/1.0"
                    def do_GET(self):
                        if self.path.startswith("/read?"):
                            body = attempt(urllib.parse.unquote(self.path[len("/read?"):]))
                        else:
                            body = b"ok" if self.path == "/healthz" else ("v1 %d" % os.getpid()).encode()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass

                ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
                """);
        serving = repo.commit("serves");
        // Never listens: its deploy waits for readiness until the server is stopped.
        repo.write("apps/shop/web.py", "import time\ntime.sleep(3600)\n");
        hanging = repo.commit("never ready");
    }

    @AfterEach
    void stopChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void labProcessesSeeNoneOfTheServersCredentialsAndGetAPrivateHomeAndTempDirectory() throws Exception {
        Server server = startServer();
        registerAndPassCi(server.api);

        long deploy = labUp(server.api, "feature/login", serving);
        JsonNode done = server.api.awaitDeploy(deploy);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("succeeded");
        String answer = LocalLabsTest.get(server.labRouterPort, "feature-login.shop.localhost");
        assertThat(answer).startsWith("200 v1 ");
        long pid = Long.parseLong(answer.split(" ")[2]);

        Map<String, String> environ = environOf(pid);

        assertThat(environ).doesNotContainKeys("PGPASSWORD", "PGUSER", "CLOUD_TOKEN", "SLIPWAY_STATE_DIR");
        assertThat(environ.values())
                .as("no value of the server's credentials under any name")
                .noneMatch(v -> v.contains(DB_PASSWORD) || v.contains(CLOUD_TOKEN));
        assertThat(environ).containsKeys("PATH", "PORT").containsEntry("SLIPWAY_LAB", "feature-login");
        Path home = Path.of(environ.get("HOME"));
        Path tmp = Path.of(environ.get("TMPDIR"));
        Path state = root.resolve("state");
        assertThat(home).startsWith(state).isNotEqualTo(root.resolve("home"));
        assertThat(tmp).startsWith(state);
        for (Path dir : List.of(home, tmp)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                    .as(dir.toString())
                    .isEqualTo("rwx------");
        }
    }

    @Test
    void sigtermMidLabDeployRecordsItInterruptedEndsEveryLogStreamAndItCanBeResumed() throws Exception {
        Server server = startServer();
        registerAndPassCi(server.api);
        long deploy = labUp(server.api, "feature/slow", hanging);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> server.api.get("/api/deploys/" + deploy).body().contains("\"running\""));
        // The lab's next deploy waits for the running one: it stays queued until the server stops.
        long queued = labUp(server.api, "feature/slow", hanging);
        List<String> stream = new CopyOnWriteArrayList<>();
        var streamDone = follow(server, deploy, stream);
        List<String> queuedStream = new CopyOnWriteArrayList<>();
        var queuedStreamDone = follow(server, queued, queuedStream);
        await().atMost(Duration.ofSeconds(30)).until(() -> stream.stream().anyMatch(l -> l.contains("local: started")));
        await().atMost(Duration.ofSeconds(30)).until(() -> queuedStream.contains(": deploy " + queued));
        assertThat(server.api.get("/api/deploys/" + queued).json().get("state").asText())
                .isEqualTo("queued");

        child.destroy(); // SIGTERM
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        streamDone.get(30, TimeUnit.SECONDS);
        queuedStreamDone.get(30, TimeUnit.SECONDS);

        assertThat(String.join("\n", stream)).contains("event: end\ndata: interrupted");
        assertThat(String.join("\n", queuedStream)).contains("event: end\ndata: queued");
        String output = Files.readString(server.output);
        assertThat(output).doesNotContain("Database is already closed").doesNotContain("Exception");

        Server restarted = startServer();
        JsonNode record = restarted.api.get("/api/deploys/" + deploy).json();
        assertThat(record.get("state").asText()).as(record.toString()).isEqualTo("interrupted");
        assertThat(record.get("clusters").get(0).get("state").asText()).isEqualTo("interrupted");
        ApiClient.Reply resumed = restarted.api.post("/api/deploys/" + deploy + "/resume", "");
        assertThat(resumed.status()).as(resumed.body()).isEqualTo(202);
        assertThat(resumed.json().get("resumes").asLong()).isEqualTo(deploy);
        // The deploy that was queued stayed queued: the restarted server claims it.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !restarted
                        .api
                        .get("/api/deploys/" + queued)
                        .json()
                        .get("state")
                        .asText()
                        .equals("queued"));
    }

    /** Follows a deploy's log stream in the background, collecting its raw lines. */
    private static java.util.concurrent.CompletableFuture<Void> follow(Server server, long deploy, List<String> lines) {
        return HttpClient.newHttpClient()
                .sendAsync(
                        HttpRequest.newBuilder(URI.create(server.url + "/api/deploys/" + deploy + "/log"))
                                .header("Authorization", "Bearer " + server.token)
                                .header("Accept", "text/event-stream")
                                .build(),
                        HttpResponse.BodyHandlers.ofLines())
                .thenAccept(r -> r.body().forEach(lines::add));
    }

    @Test
    void withALabUserLabsRunAsThatUserCannotReadTheServersStateAndAreStoppedWithTheirGroup() throws Exception {
        assumeTrue(isRoot(), "only root may start labs as another user");
        int labUid = ensureLabUser();
        // Every directory above the state directory must let the lab user pass; JUnit creates this one 0700.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        Server server = startServer("--lab-user", LAB_USER);
        registerAndPassCi(server.api);

        ApiClient.Reply up =
                server.api.post("/api/apps/shop/labs", "{\"branch\": \"feature/uid\", \"ref\": \"" + serving + "\"}");
        assertThat(up.status()).as(up.body()).isEqualTo(202);
        JsonNode done = server.api.awaitDeploy(up.json().get("deploy").get("id").asLong());
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("succeeded");
        String host = "feature-uid.shop.localhost";
        String answer = LocalLabsTest.get(server.labRouterPort, host);
        assertThat(answer).startsWith("200 v1 ");
        long pid = Long.parseLong(answer.split(" ")[2]);

        String uidLine = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("Uid:"))
                .findFirst()
                .orElseThrow();
        assertThat(uidLine.split("\\s+"))
                .as(uidLine)
                .containsExactly("Uid:", "" + labUid, "" + labUid, "" + labUid, "" + labUid);
        Path home = Path.of(environOf(pid).get("HOME"));
        assertThat(Files.getAttribute(home, "unix:uid")).isEqualTo(labUid);
        Path state = root.resolve("state");
        for (Path secret : List.of(
                state.resolve(FirstAdminToken.FILE_NAME),
                state.resolve("store.mv.db"),
                Path.of("/proc/" + child.pid() + "/environ"))) {
            assertThat(secret).exists();
            assertThat(LocalLabsTest.get(server.labRouterPort, host, "/read?" + secret))
                    .as("the lab opening " + secret)
                    .isEqualTo("200 denied");
        }
        assertThat(LocalLabsTest.get(server.labRouterPort, host, "/read?web.py"))
                .as("its own exported commit is readable")
                .isEqualTo("200 read");

        ApiClient.Reply down =
                server.api.delete("/api/labs/" + up.json().get("lab").get("id").asLong());
        assertThat(down.status()).as(down.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(Path.of("/proc/" + pid)));
    }

    @Test
    void aLabUserThatCannotReachTheStateDirectoryIsRefusedAtStart() {
        assumeTrue(isRoot(), "only root may start labs as another user");
        ensureLabUser();
        // root stays 0700, as JUnit made it: the lab user cannot pass through it.
        ServerConfig config = ServerConfig.localLabs(root.resolve("closed-state"))
                .withRouterPort(0)
                .withLabUser(Optional.of(LAB_USER));

        assertThatThrownBy(() -> SlipwayServer.start(
                                config,
                                java.time.Clock.systemUTC(),
                                dev.slipway.kube.KubeClusterTargets.fromKubeconfig(Optional.empty()),
                                dev.slipway.core.render.SecretSource.REDACTED)
                        .close())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cannot enter")
                .hasMessageContaining("--state-dir");
    }

    private static boolean isRoot() {
        return run("id", "-u").strip().equals("0");
    }

    /** The lab user's uid, the user created (a system user without home) if this machine has none. */
    private static int ensureLabUser() {
        if (run("id", "-u", LAB_USER).isBlank()) {
            run("useradd", "--system", "--no-create-home", LAB_USER);
        }
        String uid = run("id", "-u", LAB_USER).strip();
        assertThat(uid).as("uid of " + LAB_USER).matches("[0-9]+");
        return Integer.parseInt(uid);
    }

    /** Runs a command; its standard output, empty when it failed. */
    private static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return process.waitFor() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private record Server(String url, String token, ApiClient api, int labRouterPort, Path output) {}

    /** Starts {@code slipway server} as a process, its environment holding credentials a lab must not see. */
    private Server startServer(String... options) throws IOException {
        Path output = root.resolve("server-" + (++run) + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ServerMain.class.getName(),
                "--state-dir",
                root.resolve("state").toString(),
                "--server-id",
                "shutdown-test",
                "--port",
                "0",
                "--router-port",
                "0",
                "--deploy-timeout",
                "10m"));
        command.addAll(List.of(options));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        TestHome.isolate(builder.environment(), root.resolve("home"));
        builder.environment().put("PGPASSWORD", DB_PASSWORD);
        builder.environment().put("PGUSER", "slipway");
        builder.environment().put("CLOUD_TOKEN", CLOUD_TOKEN);
        child = builder.start();
        Pattern listening = Pattern.compile("listening on (http\\S+)");
        Pattern labs = Pattern.compile("labs run on this machine at http://\\S+:(\\d+)/");
        String[] found = new String[2];
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            String text = Files.exists(output) ? Files.readString(output) : "";
            Matcher url = listening.matcher(text);
            Matcher port = labs.matcher(text);
            if (url.find() && port.find()) {
                found[0] = url.group(1);
                found[1] = port.group(1);
                return true;
            }
            return false;
        });
        String token = Files.readString(root.resolve("state").resolve(FirstAdminToken.FILE_NAME))
                .strip();
        return new Server(found[0], token, new ApiClient(found[0], token), Integer.parseInt(found[1]), output);
    }

    private void registerAndPassCi(ApiClient api) {
        ApiClient.Reply registered =
                api.post("/api/apps", "{\"directory\": \"" + repo.root.resolve("apps/shop") + "\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        for (String sha : List.of(serving, hanging)) {
            api.post(
                    "/api/ci/statuses",
                    "{\"repo\": \"acme/shop\", \"sha\": \"" + sha + "\", \"context\": \"ci\", \"state\": \"success\"}");
        }
    }

    private static long labUp(ApiClient api, String branch, String sha) {
        ApiClient.Reply up =
                api.post("/api/apps/shop/labs", "{\"branch\": \"" + branch + "\", \"ref\": \"" + sha + "\"}");
        assertThat(up.status()).as(up.body()).isEqualTo(202);
        return up.json().get("deploy").get("id").asLong();
    }

    private static Map<String, String> environOf(long pid) throws IOException {
        String raw = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
        Map<String, String> env = new HashMap<>();
        Arrays.stream(raw.split("\0"))
                .filter(s -> s.contains("="))
                .forEach(s -> env.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1)));
        return env;
    }
}
