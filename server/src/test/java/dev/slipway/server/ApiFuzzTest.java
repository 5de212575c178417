package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.slipway.testkit.TestClusters;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.slf4j.LoggerFactory;

/**
 * Random bodies and query parameters for every JSON endpoint, over real HTTP: no 500, no stack trace in an answer,
 * no log line repeating more than 200 characters of what was sent, and no status the OpenAPI document does not
 * list for the operation (a 405 names the documented methods in {@code Allow}).
 */
class ApiFuzzTest {

    private static final List<String> POSTS = List.of(
            "/api/apps",
            "/api/apps/shop/environments/production/deploys",
            "/api/apps/shop/environments/production/rollback",
            "/api/apps/shop/labs",
            "/api/labs/1/extend",
            "/api/ci/statuses",
            "/api/tokens",
            "/api/deploys/1/resume");
    private static final List<String> GETS =
            List.of("/api/deploys", "/api/labs", "/api/audit", "/api/apps/shop", "/api/ci/statuses/", "/api/deploys/");
    private static final List<String> FIELDS = List.of(
            "directory",
            "labGroup",
            "labTtl",
            "ref",
            "to",
            "branch",
            "ttl",
            "by",
            "repo",
            "sha",
            "context",
            "state",
            "targetUrl",
            "description",
            "name",
            "scope",
            "tll");

    static Path root;
    static TestClusters clusters;
    static SlipwayServer server;
    static ApiClient admin;
    static ListAppender<ILoggingEvent> log = new ListAppender<>();
    static final OpenApiDocument OPENAPI = OpenApiDocument.served();

    @BeforeContainer
    static void start() throws Exception {
        root = Files.createTempDirectory("slipway-fuzz");
        clusters = TestClusters.start("east-1");
        ServerFixture fixture = new ServerFixture(root, clusters);
        ServerConfig config = fixture.config("fuzz");
        server = fixture.start(config);
        admin = new ApiClient(server.url(), ServerFixture.adminToken(config));
        admin.post("/api/apps", "{\"directory\": \"" + fixture.appDir + "\"}");
        log.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(log);
    }

    @AfterContainer
    static void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(log);
        server.close();
        clusters.close();
    }

    @Property(tries = 150)
    void noBodyMakesTheServerFailOrRepeatItInFull(@ForAll("posts") String path, @ForAll("bodies") String body) {
        check("POST", path, admin.post(path, body));
    }

    @Property(tries = 100)
    void noQueryParameterMakesTheServerFailOrRepeatItInFull(
            @ForAll("gets") String path, @ForAll("values") String value) {
        String q = URLEncoder.encode(value, StandardCharsets.UTF_8);
        String url =
                path.endsWith("/") ? path + q : path + "?limit=" + q + "&offset=" + q + "&app=" + q + "&before=" + q;
        check("GET", url, admin.get(url));
    }

    @Example
    void aRequestTooLargeToReachTheApiGetsAShortProblemThatDoesNotRepeatIt() {
        String secret = "k".repeat(9000);
        int logged = log.list.size();

        ApiClient.Reply reply = admin.get("/api/apps?token=" + secret);

        assertThat(reply.status()).isIn(414, 431);
        assertThat(reply.body()).contains("\"status\":" + reply.status()).doesNotContain("kkkkkkkk");
        assertThat(List.copyOf(log.list).subList(logged, log.list.size()))
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("kkkkkkkk"));
    }

    private static void check(String method, String path, ApiClient.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isLessThan(500);
        assertThat(reply.body()).doesNotContain("Exception", "\tat ");
        String documented =
                OPENAPI.pathOf(path).orElseThrow(() -> new AssertionError("no documented path matches " + path));
        assertThat(OPENAPI.statuses(method, documented))
                .as(method + " " + documented + " answered " + reply.status() + ": " + reply.body())
                .contains(String.valueOf(reply.status()));
        if (reply.status() == 405) {
            assertThat(OPENAPI.methods(documented)).doesNotContain(method);
            assertThat(reply.header("Allow")).as(path).isPresent();
        }
        for (ILoggingEvent event : List.copyOf(log.list)) {
            String line = event.getFormattedMessage()
                    + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            assertThat(line).doesNotContainPattern("(.)\\1{200}").doesNotContainPattern("[A-Za-z0-9]{201}");
        }
    }

    @Provide
    Arbitrary<String> posts() {
        return Arbitraries.of(POSTS);
    }

    @Provide
    Arbitrary<String> gets() {
        return Arbitraries.of(GETS);
    }

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(20),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(300).ofMaxLength(6000),
                Arbitraries.of(
                        "-1", "0", "1000000000", "99999999999999999999", "9223372036854775807", "1e9", "../../etc"));
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> value = Arbitraries.oneOf(
                values().map(v -> "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\""),
                Arbitraries.of(
                        "null",
                        "true",
                        "-1",
                        "1e400",
                        "99999999999999999999",
                        "[]",
                        "{}",
                        "\"999999999999999h\"",
                        "\"javascript:alert(1)\"",
                        "\"/etc\"",
                        "\"/tmp\\u0000x\""));
        Arbitrary<String> field =
                Combinators.combine(Arbitraries.of(FIELDS), value).as((f, v) -> "\"" + f + "\": " + v);
        return Arbitraries.oneOf(
                field.list().ofMaxSize(5).map(fs -> "{" + String.join(", ", fs) + "}"),
                Arbitraries.of("", "{", "[]", "null", "\"x\"", "{\"a\":" + "[".repeat(3000) + "}"));
    }
}
