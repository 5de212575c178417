package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.rollout.controller.ClusterStatus;
import dev.slipway.server.chat.SlackSignature;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slack's slash command against a real server, with requests shaped as Slack sends them (form fields, signature
 * headers) and a loopback receiver standing in for the command's {@code response_url}.
 */
class SlackChatTest {
    static final String SECRET = "e3b0c44298fc1c149afbf4c8996fb924";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    HttpServer slack;
    final List<String> followUps = new CopyOnWriteArrayList<>();
    ConsoleServer console;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        slack = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        slack.createContext("/commands/", exchange -> {
            followUps.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        slack.start();
        String hooks = "http://127.0.0.1:" + slack.getAddress().getPort() + "/commands/";
        console = new ConsoleServer(
                root, "chat", c -> c.withChat(ServerConfig.Chat.slack(SECRET).withResponseUrlPrefix(hooks)));
    }

    @AfterEach
    void stop() {
        console.close();
        slack.stop(0);
    }

    /** What Slack posts for {@code /slipway TEXT} by user {@code user}, as its form fields. */
    Map<String, String> command(String user, String text) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("token", "gIkuvaNzQIHg97ATvDxqgjtO");
        form.put("team_id", "T0001");
        form.put("team_domain", "acme");
        form.put("channel_id", "C2147483705");
        form.put("channel_name", "deploys");
        form.put("user_id", user);
        form.put("user_name", user.equals("U2147483697") ? "alice" : "victor");
        form.put("command", "/slipway");
        form.put("text", text);
        form.put("api_app_id", "A123456");
        form.put("is_enterprise_install", "false");
        form.put("response_url", "http://127.0.0.1:" + slack.getAddress().getPort() + "/commands/T0001/1234/abcd");
        form.put("trigger_id", "13345224609.738474920.8088930838d88f008e0");
        return form;
    }

    HttpResponse<String> post(Map<String, String> form, Instant at, String secret) throws Exception {
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        String ts = Long.toString(at.getEpochSecond());
        String signature = "v0=" + new SlackSignature(secret).sign(ts, body.getBytes(StandardCharsets.UTF_8));
        return http.send(
                HttpRequest.newBuilder(URI.create(console.server.url() + SlackChat.PATH))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("X-Slack-Request-Timestamp", ts)
                        .header("X-Slack-Signature", signature)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Slack's user {@code user} says {@code text}; the answer's JSON. */
    JsonNode say(String user, String text) throws Exception {
        HttpResponse<String> r = post(command(user, text), Instant.now(), SECRET);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    String linkCode(String token) throws Exception {
        ApiClient.Reply r = new ApiClient(console.server.url(), token).post("/api/chat/link-codes", "");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("code").asText();
    }

    @Test
    void unsignedWronglySignedAndReplayedCommandsAre401AndNothingIsDone() throws Exception {
        Map<String, String> abort = command("U2147483697", "rollout abort shop production");
        HttpResponse<String> unsigned = http.send(
                HttpRequest.newBuilder(URI.create(console.server.url() + SlackChat.PATH))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("user_id=U1&text=rollout+abort+shop+production"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(unsigned.body()).contains("not signed");
        assertThat(post(abort, Instant.now(), "not the secret").statusCode()).isEqualTo(401);
        HttpResponse<String> replayed = post(abort, Instant.now().minus(Duration.ofMinutes(6)), SECRET);
        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(replayed.body()).contains("more than 5 minutes");
        // Slack checking the request URL's certificate: signed, answered, nothing run.
        Map<String, String> sslCheck = new LinkedHashMap<>();
        sslCheck.put("ssl_check", "1");
        sslCheck.put("token", "gIkuvaNzQIHg97ATvDxqgjtO");
        assertThat(post(sslCheck, Instant.now(), SECRET).statusCode()).isEqualTo(200);

        assertThat(console.admin.audit("chat.command")).isEmpty();
        assertThat(status()).isEqualTo(ClusterStatus.RUNNING);
    }

    @Test
    void anUnlinkedUserCanOnlyLinkAndAReaderIsToldWhichScopeAnActionNeeds() throws Exception {
        JsonNode unlinked = say("U999", "rollout status shop production");
        assertThat(unlinked.get("response_type").asText()).isEqualTo("ephemeral");
        assertThat(unlinked.get("text").asText()).contains("not linked").contains("link CODE");

        assertThat(say("U999", "link NOTACODE2").get("text").asText()).contains("unknown, used or expired");
        String code = linkCode(console.token("victor", "read"));
        assertThat(say("U999", "link " + code).get("text").asText())
                .isEqualTo("Linked: you act as victor (scope read) from now on.");
        assertThat(say("U999", "link " + code).get("text").asText())
                .as("a code works once")
                .contains("unknown, used or expired");

        JsonNode status = say("U999", "rollout status shop production");
        assertThat(status.get("text").asText())
                .contains("rollout of shop/production to r7 by alice: under way")
                .contains("- east-1: running, step 1/3, canary traffic rps 100");
        JsonNode refused = say("U999", "rollout abort shop production because");
        assertThat(refused.get("response_type").asText()).isEqualTo("ephemeral");
        assertThat(refused.get("text").asText())
                .isEqualTo("That needs scope deploy; you (victor) have scope read. Ask an admin for a token with deploy"
                        + " and link it.");
        assertThat(status()).isEqualTo(ClusterStatus.RUNNING);

        JsonNode unknown = say("U999", "reboot everything");
        assertThat(unknown.get("text").asText())
                .startsWith("Not understood: 'reboot' is not a command.")
                .contains("deploy APP [REF] to ENV");
        assertThat(console.admin.audit("chat.command"))
                .extracting(e -> e.get("details").asText())
                .anySatisfy(d -> assertThat(d).contains("slack:T0001/U999 (victor) in deploys: link -> linked"))
                .anySatisfy(
                        d -> assertThat(d).contains("rollout abort shop production because -> refused: needs deploy"))
                .allSatisfy(d -> assertThat(d).doesNotContain(code));
    }

    @Test
    void aLinkedPersonDeploysAndAbortsAsThemselvesAndHearsHowTheDeployEnded() throws Exception {
        String code = linkCode(console.token("alice", "deploy"));
        say("U2147483697", "link " + code);

        JsonNode deploying = say("U2147483697", "deploy shop to production");
        assertThat(deploying.get("response_type").asText()).isEqualTo("in_channel");
        assertThat(deploying.get("text").asText()).contains("alice is deploying shop to production: deploy ");
        await().atMost(Duration.ofSeconds(60)).until(() -> !followUps.isEmpty());
        JsonNode followUp = JSON.readTree(followUps.get(0));
        assertThat(followUp.get("text").asText()).matches("Deploy \\d+ of shop to production succeeded.*");
        JsonNode deploys = console.admin.get("/api/deploys?app=shop").json();
        assertThat(deploys.toString()).contains("\"requestedBy\":\"alice\"").contains("\"source\":\"chat\"");

        JsonNode abort = say("U2147483697", "rollout abort shop production p99 looks off");
        assertThat(abort.get("response_type").asText()).isEqualTo("in_channel");
        assertThat(abort.get("text").asText())
                .contains("alice asked to abort the rollout of shop/production (p99 looks off)");
        assertThat(status()).isEqualTo(ClusterStatus.ABORTED);
        assertThat(console.admin.audit("rollout.abort")).anySatisfy(e -> {
            assertThat(e.get("actor").asText()).isEqualTo("alice");
            assertThat(e.get("source").asText()).isEqualTo("chat");
        });
        assertThat(console.admin.audit("chat.command")).anySatisfy(e -> {
            assertThat(e.get("actor").asText()).isEqualTo("alice");
            assertThat(e.get("source").asText()).isEqualTo("chat");
            assertThat(e.get("details").asText())
                    .isEqualTo("slack:T0001/U2147483697 (alice) in deploys: deploy shop to production -> ok");
        });

        JsonNode history = say("U2147483697", "history shop production");
        assertThat(history.get("text").asText()).contains("by alice").contains("succeeded");
    }

    @Test
    void labUpFromChatDeploysTheBranchTipOnceCiPassedOnIt() throws Exception {
        GitRepo repo = GitRepo.init(console.fixture.appDir);
        String green = repo.commit("the app");
        repo.git("branch", "feature/login");
        console.admin.post(
                "/api/ci/statuses",
                "{\"repo\": \"acme/shop\", \"sha\": \"" + green + "\", \"context\": \"ci/build\", \"state\":"
                        + " \"success\"}");
        repo.git("checkout", "-q", "-b", "feature/red");
        String red = repo.write("kubernetes/extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n")
                .commit("not built yet");
        say("U2147483697", "link " + linkCode(console.token("alice", "deploy")));

        JsonNode refused = say("U2147483697", "lab up shop feature/red");
        assertThat(refused.get("response_type").asText()).isEqualTo("ephemeral");
        assertThat(refused.get("text").asText()).startsWith("CI has not passed").contains(red);
        assertThat(say("U2147483697", "lab up shop feature/nowhere").get("text").asText())
                .contains("the server sees no branch feature/nowhere");

        JsonNode up = say("U2147483697", "lab up shop feature/login");
        assertThat(up.get("response_type").asText()).isEqualTo("in_channel");
        assertThat(up.get("text").asText())
                .contains("alice is bringing up lab shop/feature/login at " + green.substring(0, 12));
        await().atMost(Duration.ofSeconds(60)).until(() -> !followUps.isEmpty());
        assertThat(JSON.readTree(followUps.get(0)).get("text").asText()).contains("succeeded");
        JsonNode lab = console.admin.get("/api/labs?app=shop").json().get(0);
        assertThat(lab.get("branch").asText()).isEqualTo("feature/login");
        assertThat(lab.get("ref").asText()).isEqualTo(green);
        assertThat(say("U2147483697", "lab list shop").get("text").asText())
                .contains("- shop/feature/login at " + green.substring(0, 12));
    }

    @Test
    void kubeLooksAreSentAsThePersonSoTheClustersRbacDecidesAndSecretsAreNeverRead() throws Exception {
        ApiClient.Reply queued = console.admin.post("/api/apps/shop/environments/production/deploys", "");
        console.admin.awaitDeploy(queued.json().get("id").asLong());
        say("U2147483697", "link " + linkCode(console.token("alice", "deploy")));
        console.clusters.cluster("west-1").denyImpersonated("alice");

        String get = say("U2147483697", "kube get deployments shop production")
                .get("text")
                .asText();
        assertThat(get)
                .contains("east-1 (shop):\nweb  1/1 ready")
                .contains("west-1 (shop):\ncluster west-1 refused:")
                .contains("its RBAC decides what you may read");
        assertThat(console.clusters.cluster("east-1").impersonated())
                .contains("alice [slipway:deploy] GET /apis/apps/v1/namespaces/shop/deployments");
        assertThat(say("U2147483697", "kube rollout-status web shop production")
                        .get("text")
                        .asText())
                .contains("deployment web successfully rolled out: 1/1 updated, 1 ready, 1 available");
        assertThat(say("U2147483697", "kube get secrets shop production")
                        .get("text")
                        .asText())
                .contains("Secrets are never shown");
        assertThat(say("U2147483697", "kube describe shop production")
                        .get("text")
                        .asText())
                .startsWith("Not understood.");
        assertThat(console.clusters.cluster("east-1").impersonated())
                .as("nothing was asked of the cluster about secrets")
                .noneMatch(r -> r.contains("secrets"));
    }

    @Test
    void aFreezeFromChatIsKeptOnTheClustersRefusesTheNextDeployAndIsLiftedFromChat() throws Exception {
        say("U2147483697", "link " + linkCode(console.token("alice", "deploy")));

        JsonNode frozen = say("U2147483697", "freeze shop production --for 2h release week");
        assertThat(frozen.get("response_type").asText()).isEqualTo("in_channel");
        assertThat(frozen.get("text").asText())
                .startsWith("alice: shop/production is frozen by alice until ")
                .contains(": release week.");
        JsonNode freeze = console.admin
                .get("/api/apps/shop/environments/production/freeze")
                .json();
        assertThat(freeze.get("clusters")).hasSize(2).allSatisfy(c -> {
            assertThat(c.get("frozen").asBoolean()).isTrue();
            assertThat(c.get("by").asText()).isEqualTo("alice");
            assertThat(c.get("reason").asText()).isEqualTo("release week");
        });

        say("U2147483697", "deploy shop to production");
        await().atMost(Duration.ofSeconds(60)).until(() -> !followUps.isEmpty());
        assertThat(JSON.readTree(followUps.get(0)).get("text").asText())
                .contains("failed")
                .contains("production is frozen by alice until")
                .contains("release week");

        assertThat(say("U2147483697", "unfreeze shop production").get("text").asText())
                .isEqualTo("alice unfroze shop/production.");
        assertThat(console.admin
                        .get("/api/apps/shop/environments/production/freeze")
                        .json()
                        .get("clusters"))
                .allSatisfy(c -> assertThat(c.get("frozen").asBoolean()).isFalse());
        assertThat(console.admin.audit("environment.freeze")).anySatisfy(e -> {
            assertThat(e.get("actor").asText()).isEqualTo("alice");
            assertThat(e.get("source").asText()).isEqualTo("chat");
            assertThat(e.get("details").asText()).contains("release week");
        });
        assertThat(console.admin.audit("environment.unfreeze")).hasSize(1);

        // Every app at once is an admin's to say: alice has a deploy token.
        assertThat(say("U2147483697", "freeze all production --for 1h datacenter move")
                        .get("text")
                        .asText())
                .contains("scope admin");
        assertThat(console.admin
                        .get("/api/environments/production/freeze")
                        .json()
                        .get("clusters"))
                .allSatisfy(c -> assertThat(c.get("frozen").asBoolean()).isFalse());
    }

    private ClusterStatus status() {
        return console.server
                .rollouts()
                .status(RolloutApiTest.KEY)
                .flatMap(s -> s.cluster("east-1"))
                .orElseThrow()
                .status();
    }
}
