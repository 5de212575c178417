package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.rollout.controller.ClusterStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Chatops RPC endpoint with a client signing as Hubot's chatops-rpc does (RS256 over URL, nonce, time, body). */
class ChatopsRpcTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static KeyPair client;
    static KeyPair stranger;

    @TempDir
    Path root;

    ConsoleServer console;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        client = rsa.generateKeyPair();
        stranger = rsa.generateKeyPair();
    }

    static String pem(KeyPair pair) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    @BeforeEach
    void start() {
        console = new ConsoleServer(
                root, "chatops", c -> c.withChat(ServerConfig.Chat.OFF.withChatops(pem(client), Optional.empty())));
    }

    @AfterEach
    void stop() {
        console.close();
    }

    HttpResponse<String> send(String path, String body, PrivateKey key, Instant at, String nonce) throws Exception {
        String url = console.server.url() + path;
        String timestamp = at.truncatedTo(ChronoUnit.SECONDS).toString();
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(key);
        rs256.update((url + "\n" + nonce + "\n" + timestamp + "\n" + body).getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "application/json")
                .header("Chatops-Nonce", nonce)
                .header("Chatops-Timestamp", timestamp)
                .header(
                        "Chatops-Signature",
                        "Signature keyid=rsakey1,signature="
                                + Base64.getEncoder().encodeToString(rs256.sign()));
        if (body.isEmpty()) {
            request.GET();
        } else {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String nonce() {
        return Base64.getEncoder().encodeToString(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
    }

    /** {@code user} runs {@code method} with {@code params} (JSON object text); the result text. */
    String run(String user, String method, String params) throws Exception {
        String body = "{\"user\":\"" + user + "\",\"method\":\"" + method + "\",\"params\":" + params
                + ",\"room_id\":\"ops\"}";
        HttpResponse<String> r = send("/_chatops/" + method, body, client.getPrivate(), Instant.now(), nonce());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("result").asText();
    }

    @Test
    void theListingNamesEachCommandWithARegexTheClientMatchesMessagesWith() throws Exception {
        HttpResponse<String> r = send("/_chatops", "", client.getPrivate(), Instant.now(), nonce());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode listing = JSON.readTree(r.body());
        assertThat(listing.get("namespace").asText()).isEqualTo("slipway");
        assertThat(listing.get("version").asInt()).isEqualTo(3);
        JsonNode deploy = listing.at("/methods/deploy");
        assertThat(deploy.get("path").asText()).isEqualTo("deploy");
        assertThat(deploy.get("params")).extracting(JsonNode::asText).containsExactly("app", "ref", "env");
        var m = Pattern.compile(deploy.get("regex").asText()).matcher("deploy shop v1.2 to production");
        assertThat(m.matches()).isTrue();
        assertThat(m.group("ref")).isEqualTo("v1.2");
        assertThat(listing.at("/methods/rollout/params"))
                .extracting(JsonNode::asText)
                .containsExactly("action", "app", "env", "reason");
    }

    @Test
    void unsignedForeignStaleAndReplayedRequestsAre401AndDoNothing() throws Exception {
        HttpResponse<String> unsigned = http.send(
                HttpRequest.newBuilder(URI.create(console.server.url() + "/_chatops"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).isEqualTo(401);
        String abort = "{\"user\":\"alice\",\"method\":\"rollout\",\"params\":{\"action\":\"abort\",\"app\":\"shop\","
                + "\"env\":\"production\"},\"room_id\":\"ops\"}";
        assertThat(send("/_chatops/rollout", abort, stranger.getPrivate(), Instant.now(), nonce())
                        .body())
                .contains("does not verify");
        assertThat(send(
                                "/_chatops/rollout",
                                abort,
                                client.getPrivate(),
                                Instant.now().minus(Duration.ofMinutes(6)),
                                nonce())
                        .statusCode())
                .isEqualTo(401);
        String once = nonce();
        assertThat(send("/_chatops", "", client.getPrivate(), Instant.now(), once)
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> replayed = send("/_chatops", "", client.getPrivate(), Instant.now(), once);
        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(replayed.body()).contains("nonce was used already");
        assertThat(console.admin.audit("chat.command")).isEmpty();
    }

    @Test
    void aLinkedUserRunsCommandsAsTheirTokenAndAReaderIsRefusedWhatNeedsDeploy() throws Exception {
        assertThat(run("bhuga", "rollout", "{\"action\":\"status\",\"app\":\"shop\",\"env\":\"production\"}"))
                .contains("not linked");
        String code = new ApiClient(console.server.url(), console.token("bob", "read"))
                .post("/api/chat/link-codes", "")
                .json()
                .get("code")
                .asText();
        assertThat(run("bhuga", "link", "{\"code\":\"" + code + "\"}")).contains("you act as bob (scope read)");
        assertThat(run("bhuga", "rollout", "{\"action\":\"status\",\"app\":\"shop\",\"env\":\"production\"}"))
                .contains("rollout of shop/production to r7 by alice: under way");
        assertThat(run("bhuga", "rollout", "{\"action\":\"abort\",\"app\":\"shop\",\"env\":\"production\"}"))
                .contains("That needs scope deploy; you (bob) have scope read");
        assertThat(console.server
                        .rollouts()
                        .status(RolloutApiTest.KEY)
                        .flatMap(s -> s.cluster("east-1"))
                        .orElseThrow()
                        .status())
                .isEqualTo(ClusterStatus.RUNNING);
        assertThat(console.admin.audit("chat.command"))
                .anySatisfy(
                        e -> assertThat(e.get("details").asText())
                                .isEqualTo(
                                        "chatops:bhuga (bhuga) in ops: rollout abort shop production -> refused: needs deploy"));

        HttpResponse<String> unknown = send(
                "/_chatops/reboot",
                "{\"user\":\"bhuga\",\"method\":\"reboot\",\"params\":{}}",
                client.getPrivate(),
                Instant.now(),
                nonce());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).at("/error/message").asText()).contains("no chatops method 'reboot'");
    }
}
