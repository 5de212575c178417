package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testkit.TestClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The REST API over real HTTP on 127.0.0.1, deploying to two simulated clusters. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerApiTest {

    Path root;
    TestClusters clusters;
    ServerFixture fixture;
    ServerConfig config;
    SlipwayServer server;
    ApiClient admin;

    @BeforeAll
    void start(@TempDir Path dir) {
        root = dir;
        clusters = TestClusters.start("east-1", "west-1");
        fixture = new ServerFixture(root, clusters);
        config = fixture.config("server-a")
                .withGithubWebhookSecret("hook-secret")
                .withLabUrlTemplate(java.util.Optional.of("https://{lab}.{app}.labs.example.com"));
        server = fixture.start(config);
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        ApiClient.Reply registered = admin.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
    }

    @AfterAll
    void stop() {
        server.close();
        clusters.close();
    }

    @Test
    void firstAdminTokenIsWrittenOnceReadableOnlyByTheServerUser() throws Exception {
        Path file = config.stateDir().resolve(FirstAdminToken.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(file)).startsWith("slw_");
        assertThat(server.url()).startsWith("http://127.0.0.1:");
        assertThat(admin.get("/health").status()).isEqualTo(200);
    }

    @Test
    void aDeployThroughTheApiReachesEveryClusterAndRecordsItsProgress() {
        ApiClient.Reply enqueued = admin.post("/api/apps/shop/environments/production/deploys", "{\"ref\": \"v1\"}");
        assertThat(enqueued.status()).as(enqueued.body()).isEqualTo(202);
        long id = enqueued.json().get("id").asLong();

        JsonNode done = admin.awaitDeploy(id);

        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.get("clusters"))
                .extracting(
                        c -> c.get("cluster").asText() + ":" + c.get("state").asText())
                .containsExactly("east-1:succeeded", "west-1:succeeded");
        for (String cluster : List.of("east-1", "west-1")) {
            assertThat(clusters.cluster(cluster)
                            .client()
                            .configMaps()
                            .inNamespace("shop")
                            .withName("settings")
                            .get())
                    .isNotNull();
        }
        JsonNode revisions =
                admin.get("/api/apps/shop/environments/production/revisions").json();
        assertThat(revisions.get(0).get("revisions").get(0).get("ref").asText()).isEqualTo("v1");
        assertThat(admin.audit("deploy.enqueue"))
                .anySatisfy(e -> assertThat(e.get("source").asText()).isEqualTo("cli"));
    }

    @Test
    void theLogStreamSendsEveryLineThenTheFinalState() {
        long id = admin.post("/api/apps/shop/environments/staging/deploys", "{}")
                .json()
                .get("id")
                .asLong();
        admin.awaitDeploy(id);

        ApiClient.Reply stream = admin.send(admin.request("/api/deploys/" + id + "/log")
                .header("Accept", "text/event-stream")
                .GET());

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.body())
                .contains(
                        "event: log",
                        "source: the working directory",
                        "(not in a git repository)",
                        "east-1: started",
                        "west-1: deployed (revision 1)",
                        "event: end",
                        "data: succeeded");
    }

    @Test
    void requestsWithoutATokenOrWithTooSmallAScopeChangeNothing() {
        String readToken = admin.post("/api/tokens", "{\"name\": \"viewer\", \"scope\": \"read\"}")
                .json()
                .get("secret")
                .asText();
        int deploysBefore = admin.get("/api/deploys?limit=1000").json().size();

        ApiClient.Reply anonymous = admin.as(null).post("/api/apps/shop/environments/production/deploys", "{}");
        ApiClient.Reply wrongToken = admin.as("slw_nope").post("/api/apps/shop/environments/production/deploys", "{}");
        ApiClient.Reply reader = admin.as(readToken).post("/api/apps/shop/environments/production/deploys", "{}");
        ApiClient.Reply readerTokens =
                admin.as(readToken).post("/api/tokens", "{\"name\": \"x\", \"scope\": \"admin\"}");

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(wrongToken.status()).isEqualTo(401);
        assertThat(reader.status()).isEqualTo(403);
        assertThat(reader.json().get("problems").get(0).get("what").asText()).contains("scope read", "needs deploy");
        assertThat(readerTokens.status()).isEqualTo(403);
        assertThat(anonymous.contentType()).startsWith("application/problem+json");
        assertThat(admin.get("/api/deploys?limit=1000").json().size()).isEqualTo(deploysBefore);
        assertThat(admin.get("/api/tokens").json())
                .extracting(t -> t.get("name").asText())
                .doesNotContain("x");
        assertThat(admin.as(readToken).get("/api/deploys").status())
                .as("read is enough to list")
                .isEqualTo(200);
    }

    @Test
    void aRevokedTokenIsRefused() {
        JsonNode issued = admin.post("/api/tokens", "{\"name\": \"ci\", \"scope\": \"deploy\"}")
                .json();
        ApiClient ci = admin.as(issued.get("secret").asText());
        assertThat(ci.get("/api/labs").status()).isEqualTo(200);

        assertThat(admin.delete("/api/tokens/" + issued.get("id").asLong()).status())
                .isEqualTo(204);

        assertThat(ci.get("/api/labs").status()).isEqualTo(401);
    }

    @Test
    void badRequestsGetAClearProblemBody() {
        ApiClient.Reply malformed = admin.post("/api/apps/shop/labs", "{\"branch\": ");
        ApiClient.Reply unknownApp = admin.post("/api/apps/nope/environments/production/deploys", "{}");
        ApiClient.Reply unknownEnv = admin.post("/api/apps/shop/environments/qa/deploys", "{}");
        ApiClient.Reply badBranch = admin.post(
                "/api/apps/shop/labs", "{\"branch\": \"feature..x\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\"}");
        ApiClient.Reply symbolsOnly = admin.post(
                "/api/apps/shop/labs", "{\"branch\": \"___\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\"}");
        ApiClient.Reply shortSha =
                admin.post("/api/apps/shop/labs", "{\"branch\": \"feature/x\", \"ref\": \"abc123\"}");
        ApiClient.Reply noDirectory = admin.post("/api/apps", "{\"directory\": \"" + root.resolve("missing") + "\"}");
        ApiClient.Reply unknownRoute = admin.get("/api/nothing-here");

        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("problems").get(0).get("what").asText()).contains("not valid JSON");
        assertThat(unknownApp.status()).isEqualTo(404);
        assertThat(unknownApp.json().get("detail").asText()).contains("no app 'nope'");
        assertThat(unknownEnv.status()).isEqualTo(404);
        assertThat(unknownEnv.json().get("problems").get(0).get("fix").asText()).contains("production", "staging");
        assertThat(badBranch.status()).isEqualTo(400);
        assertThat(badBranch.json().get("problems").get(0).get("where").asText())
                .isEqualTo("branch");
        assertThat(symbolsOnly.status()).isEqualTo(400);
        assertThat(shortSha.status()).isEqualTo(400);
        assertThat(noDirectory.status()).isEqualTo(400);
        assertThat(unknownRoute.status()).isEqualTo(404);
        for (ApiClient.Reply reply : List.of(malformed, unknownApp, badBranch, noDirectory, unknownRoute)) {
            assertThat(reply.contentType()).startsWith("application/problem+json");
            assertThat(reply.body()).doesNotContain("Exception", "\tat ");
        }
        assertThat(admin.get("/api/labs?app=shop").json())
                .noneSatisfy(l -> assertThat(l.get("branch").asText()).isEqualTo("feature/x"));
    }

    @Test
    void aLabIsRefusedUntilCiPassesThenComesUpInItsOwnNamespace() {
        String lab = "{\"branch\": \"Feature/Login\", \"ref\": \"" + ServerFixture.SHA_RED + "\"}";
        ApiClient.Reply noStatus = admin.post("/api/apps/shop/labs", lab);
        assertThat(noStatus.status()).isEqualTo(409);
        assertThat(noStatus.json().get("detail").asText()).contains("pending", "no CI status reported yet");

        admin.post(
                "/api/ci/statuses", status(ServerFixture.SHA_RED, "ci/test", "failure", "https://ci.example/builds/7"));
        ApiClient.Reply failed = admin.post("/api/apps/shop/labs", lab);
        assertThat(failed.status()).isEqualTo(409);
        assertThat(failed.json().get("detail").asText())
                .contains("failure", "ci/test: failure", "https://ci.example/builds/7");

        admin.post(
                "/api/ci/statuses", status(ServerFixture.SHA_RED, "ci/test", "success", "https://ci.example/builds/8"));
        ApiClient.Reply up = admin.post("/api/apps/shop/labs", lab);
        assertThat(up.status()).as(up.body()).isEqualTo(202);
        assertThat(up.json().get("lab").get("namespace").asText()).isEqualTo("shop-lab-feature-login");
        JsonNode deploy = admin.awaitDeploy(up.json().get("deploy").get("id").asLong());
        assertThat(deploy.get("state").asText()).as(deploy.toString()).isEqualTo("succeeded");
        for (String cluster : List.of("east-1", "west-1")) {
            assertThat(clusters.cluster(cluster)
                            .client()
                            .configMaps()
                            .inNamespace("shop-lab-feature-login")
                            .withName("settings")
                            .get())
                    .isNotNull();
        }
        JsonNode listed = admin.get("/api/labs?app=shop").json();
        assertThat(listed).anySatisfy(l -> {
            assertThat(l.get("branch").asText()).isEqualTo("Feature/Login");
            assertThat(l.get("createdBy").asText()).isEqualTo("admin");
            assertThat(l.get("expiresIn").asText()).isEqualTo("24h");
            assertThat(l.get("ciState").asText()).isEqualTo("success");
            assertThat(l.get("url").asText()).isEqualTo("https://feature-login.shop.labs.example.com");
        });
        assertThat(admin.audit("lab.refused")).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aLabCanBeExtendedAndTakenDownWithItsObjects() {
        admin.post("/api/ci/statuses", status(ServerFixture.SHA_GREEN, "ci/build", "success", null));
        JsonNode up = admin.post(
                        "/api/apps/shop/labs",
                        "{\"branch\": \"fix/typo\", \"ref\": \"" + ServerFixture.SHA_GREEN + "\"}")
                .json();
        admin.awaitDeploy(up.get("deploy").get("id").asLong());
        long labId = up.get("lab").get("id").asLong();
        String namespace = up.get("lab").get("namespace").asText();

        JsonNode extended =
                admin.post("/api/labs/" + labId + "/extend", "{\"by\": \"6h\"}").json();
        assertThat(extended.get("expiresIn").asText()).isEqualTo("30h");

        ApiClient.Reply down = admin.delete("/api/labs/" + labId);
        assertThat(down.status()).as(down.body()).isEqualTo(200);
        for (String cluster : List.of("east-1", "west-1")) {
            var client = clusters.cluster(cluster).client();
            assertThat(client.configMaps().inNamespace(namespace).list().getItems())
                    .isEmpty();
            assertThat(client.apps().deployments().inNamespace(namespace).list().getItems())
                    .isEmpty();
            assertThat(client.namespaces().withName(namespace).get()).isNull();
        }
        assertThat(admin.get("/api/labs/" + labId).status()).isEqualTo(404);
        assertThat(admin.audit("lab.delete"))
                .anySatisfy(e -> assertThat(e.get("details").asText()).contains(namespace));
    }

    @Test
    void githubWebhookPayloadsAreTakenOnlyWithAValidSignature() throws Exception {
        String sha = "3333333333333333333333333333333333333333";
        String payload = "{\"id\": 7, \"sha\": \"" + sha + "\", \"state\": \"success\", \"context\": \"ci/gh\","
                + " \"updated_at\": \"2026-12-02T10:00:00Z\","
                + " \"target_url\": \"https://github.com/acme/shop/actions/runs/1\", \"repository\": {\"full_name\": \"acme/shop\"}}";
        String signature = "sha256=" + HexFormat.of().formatHex(GithubWebhooks.hmac("hook-secret", payload.getBytes()));
        String forged = "sha256=" + HexFormat.of().formatHex(GithubWebhooks.hmac("wrong", payload.getBytes()));

        ApiClient.Reply rejected = admin.as(null)
                .send(admin.as(null)
                        .request("/api/ci/github")
                        .header("X-GitHub-Event", "status")
                        .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
                        .header("X-Hub-Signature-256", forged)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(payload)));
        assertThat(rejected.status()).isEqualTo(401);
        assertThat(admin.get("/api/ci/statuses/" + sha).json().get("statuses")).isEmpty();

        ApiClient.Reply accepted = admin.as(null)
                .send(admin.as(null)
                        .request("/api/ci/github")
                        .header("X-GitHub-Event", "status")
                        .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0959")
                        .header("X-Hub-Signature-256", signature)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(payload)));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(201);
        assertThat(admin.get("/api/ci/statuses/" + sha).json().get("state").asText())
                .isEqualTo("success");

        String suite = "{\"action\": \"completed\", \"check_suite\": {\"head_sha\": \"" + sha
                + "\", \"status\": \"completed\","
                + " \"updated_at\": \"2026-12-02T10:05:00+00:00\", \"conclusion\": \"failure\", \"app\": {\"slug\": \"github-actions\"}},"
                + " \"repository\": {\"full_name\": \"acme/shop\", \"html_url\": \"https://github.com/acme/shop\"}}";
        admin.as(null)
                .send(admin.as(null)
                        .request("/api/ci/github")
                        .header("X-GitHub-Event", "check_suite")
                        .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc095a")
                        .header(
                                "X-Hub-Signature-256",
                                "sha256="
                                        + HexFormat.of()
                                                .formatHex(GithubWebhooks.hmac("hook-secret", suite.getBytes())))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(suite)));
        JsonNode combined = admin.get("/api/ci/statuses/" + sha).json();
        assertThat(combined.get("state").asText()).isEqualTo("failure");
    }

    @Test
    void theOpenApiDocumentDescribesExactlyTheRoutesServed() throws Exception {
        JsonNode doc = admin.as(null).get("/openapi.json").json();
        Set<String> documented = new TreeSet<>();
        doc.get("paths")
                .fields()
                .forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
                    if (!method.equals("parameters")) {
                        documented.add(method.toUpperCase() + " " + path.getKey());
                    }
                }));
        Set<String> served =
                new TreeSet<>(List.of("GET /health", "GET /openapi.json", "GET /metrics", "GET /api/deploys/{id}/log"));
        for (Api.Route route : routesOf(server)) {
            served.add(route.method().name() + " " + route.path());
        }
        assertThat(documented).isEqualTo(served);
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.at("/components/schemas/Lab/properties/url/description").asText())
                .contains("localhost", "--lab-url-template");
        assertThat(doc.at("/paths/~1api~1apps~1{app}~1labs/post/responses/422").isMissingNode())
                .isFalse();
        assertThat(doc.at("/paths/~1api~1apps~1{app}~1environments~1{env}~1deploys/post/responses/422")
                        .isMissingNode())
                .isFalse();
    }

    @Test
    void everyDocumentedPathAnswersAnyOtherMethodWith405NamingTheDocumentedOnes() {
        OpenApiDocument doc = OpenApiDocument.served();
        assertThat(doc.json().at("/x-responses-of-every-path/405/$ref").asText())
                .isEqualTo("#/components/responses/MethodNotAllowed");
        assertThat(doc.json()
                        .at("/components/responses/MethodNotAllowed/headers/Allow")
                        .isMissingNode())
                .isFalse();
        for (String path : doc.paths()) {
            Set<String> documented = doc.methods(path);
            String concrete = path.replaceAll("\\{[^}]+}", "1");
            for (String method : OpenApiDocument.METHODS) {
                if (documented.contains(method)) {
                    continue;
                }
                ApiClient.Reply reply = admin.send(method, concrete);
                assertThat(reply.status())
                        .as(method + " " + concrete + ": " + reply.body())
                        .isEqualTo(405);
                assertThat(reply.contentType()).startsWith("application/problem+json");
                assertThat(new TreeSet<>(
                                List.of(reply.header("Allow").orElse("").split(", "))))
                        .as("Allow of " + path + " against the document")
                        .isEqualTo(documented);
            }
        }
    }

    private static List<Api.Route> routesOf(SlipwayServer server) {
        return new Api(
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        ServerConfig.loopback(Path.of("."), Path.of(".")))
                .routes();
    }

    private static String status(String sha, String context, String state, String url) {
        return "{\"repo\": \"acme/shop\", \"sha\": \"" + sha + "\", \"context\": \"" + context + "\", \"state\": \""
                + state + "\"" + (url == null ? "" : ", \"targetUrl\": \"" + url + "\"") + "}";
    }
}
