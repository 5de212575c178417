package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.rollout.controller.ClusterStatus;
import dev.slipway.store.ClusterState;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.DeployRequest;
import dev.slipway.store.DeployState;
import dev.slipway.store.LabOpening;
import dev.slipway.store.RequestSource;
import dev.slipway.store.Store;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console as a browser meets it, over real HTTP: login turning a token into a session cookie, pages
 * that need one, forms that need the session's CSRF token, the same origin and the scope, and a session that
 * ends with its token. The rollout is the one RolloutApiTest starts, on a recording stand-in for the engine.
 */
class ConsoleTest {
    static final String ENV_PAGE = "/apps/shop/environments/production";

    @TempDir
    Path root;

    ConsoleServer console;
    ServerConfig config;
    SlipwayServer server;
    ApiClient admin;
    final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    @BeforeEach
    void start() {
        console = new ConsoleServer(root, "console", c -> c);
        config = console.config;
        server = console.server;
        admin = console.admin;
    }

    @AfterEach
    void stop() {
        console.close();
    }

    String token(String name, String scope) {
        return console.token(name, scope);
    }

    HttpResponse<String> get(String path, Optional<String> cookie) throws Exception {
        HttpRequest.Builder r =
                HttpRequest.newBuilder(URI.create(server.url() + path)).GET();
        cookie.ifPresent(c -> r.header("Cookie", Console.COOKIE + "=" + c));
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, Optional<String> cookie, Map<String, String> form, Optional<String> origin)
            throws Exception {
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        cookie.ifPresent(c -> r.header("Cookie", Console.COOKIE + "=" + c));
        origin.ifPresent(o -> r.header("Origin", o));
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Logs in with {@code token}; returns the session cookie's value. */
    String login(String token) throws Exception {
        HttpResponse<String> r =
                post("/login", Optional.empty(), Map.of("token", token, "next", "/"), Optional.empty());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        Matcher m = Pattern.compile(Console.COOKIE + "=([^;]+)").matcher(setCookie);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    static String csrf(String page) {
        Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page);
        assertThat(m.find()).as("the page has a form with a CSRF token").isTrue();
        return m.group(1);
    }

    String origin() {
        URI u = URI.create(server.url());
        return u.getScheme() + "://" + u.getAuthority();
    }

    @Test
    void pagesNeedALoginWhichTurnsTheTokenIntoAStrictHttpOnlyCookie() throws Exception {
        HttpResponse<String> anonymous = get(ENV_PAGE, Optional.empty());
        assertThat(anonymous.statusCode()).isEqualTo(303);
        assertThat(anonymous.headers().firstValue("Location"))
                .contains("/login?next=" + URLEncoder.encode(ENV_PAGE, StandardCharsets.UTF_8));

        HttpResponse<String> wrong = post(
                "/login", Optional.empty(), Map.of("token", "slw_not-a-token", "next", "/"), Optional.of(origin()));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("that token is unknown or revoked");
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();

        String secret = token("alice", "deploy");
        HttpResponse<String> ok =
                post("/login", Optional.empty(), Map.of("token", secret, "next", ENV_PAGE), Optional.of(origin()));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location")).contains(ENV_PAGE);
        String setCookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie)
                .contains("HttpOnly")
                .containsIgnoringCase("SameSite=Strict")
                .contains("Max-Age=43200")
                .contains("Path=/")
                .doesNotContain(secret);
        assertThat(setCookie)
                .as("a loopback server without TLS cannot set Secure")
                .doesNotContain("Secure");
        assertThat(admin.audit("console.login")).anySatisfy(e -> {
            assertThat(e.get("actor").asText()).isEqualTo("alice");
            assertThat(e.get("source").asText()).isEqualTo("web");
        });

        HttpResponse<String> evil =
                post("/login", Optional.empty(), Map.of("token", secret, "next", "//evil.example/"), Optional.empty());
        assertThat(evil.headers().firstValue("Location"))
                .as("never sent to another site")
                .contains("/");
        assertThat(evil.headers().firstValue("Location").orElseThrow()).doesNotContain("evil");
    }

    @Test
    void theEnvironmentPageShowsTheRolloutAndItsButtonsAbortOnlyWithTheSessionsCsrfToken() throws Exception {
        String cookie = login(token("alice", "deploy"));
        HttpResponse<String> page = get(ENV_PAGE, Optional.of(cookie));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(v -> assertThat(v).contains("frame-ancestors 'none'"));
        assertThat(page.body())
                .contains("revision <strong>r7</strong>")
                .contains("aria-current=\"step\">rps 100 for 1m</li>")
                .contains("<strong class=\"traffic\">rps 100</strong>")
                .contains("value=\"abort\"")
                .contains("value=\"pause\"");

        HttpResponse<String> forged =
                post(ENV_PAGE + "/rollout/abort", Optional.of(cookie), Map.of("reason", "x"), Optional.of(origin()));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("CSRF token");
        HttpResponse<String> crossSite = post(
                ENV_PAGE + "/rollout/abort",
                Optional.of(cookie),
                Map.of("_csrf", csrf(page.body())),
                Optional.of("https://evil.example"));
        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat(status("east-1")).as("nothing was aborted").isEqualTo(ClusterStatus.RUNNING);

        HttpResponse<String> abort = post(
                ENV_PAGE + "/rollout/abort",
                Optional.of(cookie),
                Map.of("_csrf", csrf(page.body()), "reason", "p99 looks off"),
                Optional.of(origin()));
        assertThat(abort.statusCode()).as(abort.body()).isEqualTo(303);
        assertThat(status("east-1")).isEqualTo(ClusterStatus.ABORTED);
        HttpResponse<String> after = get(abort.headers().firstValue("Location").orElseThrow(), Optional.of(cookie));
        assertThat(after.body()).contains("Rollout aborted").contains("value=\"retry\"");
        assertThat(admin.audit("rollout.abort")).anySatisfy(e -> {
            assertThat(e.get("actor").asText()).isEqualTo("alice");
            assertThat(e.get("source").asText()).isEqualTo("web");
            assertThat(e.get("details").asText()).contains("p99 looks off");
        });
    }

    @Test
    void theRolloutSectionChartsCanaryAgainstStableFromTheJudgedWindowsAndIsServedAloneForTheScript() throws Exception {
        String cookie = login(token("viewer", "read"));
        HttpResponse<String> before = get(ENV_PAGE + "/rollout", Optional.of(cookie));
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(before.body())
                .as("no window judged yet: no chart")
                .startsWith("<section id=\"rollout\"")
                .doesNotContain("<svg")
                .contains("data-every=\"10000\"");

        // Three windows as the controller keeps them: healthy, healthy, then the canary failing 5 % at 900 ms.
        long[][] windows = {
            {200, 0, 40_000, 1000, 1, 38_000}, {210, 1, 45_000, 990, 0, 39_000}, {200, 10, 900_000, 1000, 1, 41_000}
        };
        for (int i = 0; i < windows.length; i++) {
            long[] w = windows[i];
            console.judged(10 * (i + 1), w[0], w[1], w[2], w[3], w[4], w[5], i == 2 ? "breach" : "pass");
        }
        HttpResponse<String> page = get(ENV_PAGE, Optional.of(cookie));
        assertThat(page.body())
                .contains("data-checks=\"3\"")
                .contains("aria-label=\"error rate: canary and stable per window\"")
                .contains("aria-label=\"p99: canary and stable per window\"")
                .contains("<title>maxErrorRate 1%</title>")
                .contains("<title>maxP99 800 ms</title>")
                .contains("canary 200 requests, 10 errors, p99 900 ms; stable 1000 requests, 1 error, p99 41 ms;"
                        + " breach");
        // The canary's line runs across the whole width, its breach marked where it rose above the limit.
        Matcher canary = Pattern.compile("<polyline class=\"canary\" points=\"([^\"]*)\"")
                .matcher(page.body());
        assertThat(canary.find()).isTrue();
        assertThat(canary.group(1).split(" ")).containsExactly("0,140", "300,128", "600,18");
        assertThat(page.body().split("<circle class=\"breach\" cx=\"600\"", -1))
                .as("the breach marked on both charts, and only there")
                .hasSize(3);

        HttpResponse<String> section = get(ENV_PAGE + "/rollout", Optional.of(cookie));
        assertThat(section.body())
                .startsWith("<section id=\"rollout\"")
                .contains("data-checks=\"3\"")
                .as("the section alone, not the page around it")
                .doesNotContain("<html")
                .doesNotContain("id=\"deploys\"");
    }

    @Test
    void aReadOnlyUserSeesNoButtonsAndIsRefusedWhenPostingAnyway() throws Exception {
        String cookie = login(token("viewer", "read"));
        HttpResponse<String> page = get(ENV_PAGE, Optional.of(cookie));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("rps 100 for 1m").doesNotContain("value=\"abort\"");
        String csrf = csrf(page.body()); // the logout form's
        HttpResponse<String> abort =
                post(ENV_PAGE + "/rollout/abort", Optional.of(cookie), Map.of("_csrf", csrf), Optional.of(origin()));
        assertThat(abort.statusCode()).isEqualTo(403);
        assertThat(abort.body()).contains("has scope read; this needs deploy");
        assertThat(status("east-1")).isEqualTo(ClusterStatus.RUNNING);

        HttpResponse<String> audit = get("/audit", Optional.of(cookie));
        assertThat(audit.statusCode()).isEqualTo(403);
        assertThat(page.body()).doesNotContain("href=\"/audit\"");
    }

    @Test
    void revokingTheTokenOrLoggingOutEndsTheSession() throws Exception {
        String secret = token("bob", "deploy");
        String first = login(secret);
        String second = login(secret);
        HttpResponse<String> page = get("/", Optional.of(first));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("shop").contains("production");

        HttpResponse<String> out =
                post("/logout", Optional.of(first), Map.of("_csrf", csrf(page.body())), Optional.of(origin()));
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Expires=Thu, 01 Jan 1970");
        assertThat(get("/", Optional.of(first)).statusCode()).as("logged out").isEqualTo(303);
        assertThat(get("/", Optional.of(second)).statusCode()).isEqualTo(200);

        long id = -1;
        for (var t : admin.get("/api/tokens").json()) {
            if (t.get("name").asText().equals("bob")) {
                id = t.get("id").asLong();
            }
        }
        assertThat(admin.delete("/api/tokens/" + id).status()).isEqualTo(204);
        HttpResponse<String> revoked = get("/", Optional.of(second));
        assertThat(revoked.statusCode()).as("the token was revoked").isEqualTo(303);
        assertThat(revoked.headers().firstValue("Location")).contains("/login?next=%2F");
    }

    @Test
    void theAuditLogFiltersByWhoAppAndAction() throws Exception {
        String alice = login(token("alice", "deploy"));
        HttpResponse<String> page = get(ENV_PAGE, Optional.of(alice));
        post(
                ENV_PAGE + "/rollout/pause",
                Optional.of(alice),
                Map.of("_csrf", csrf(page.body()), "reason", "lunch"),
                Optional.of(origin()));
        String root = login(ServerFixture.adminToken(config));
        HttpResponse<String> all = get("/audit", Optional.of(root));
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.body())
                .contains("rollout.pause")
                .contains("console.login")
                .contains("app.register");
        HttpResponse<String> filtered = get("/audit?actor=alice&app=shop&action=rollout.pause", Optional.of(root));
        assertThat(filtered.body()).contains("rollout.pause").contains("lunch").doesNotContain("console.login");
        HttpResponse<String> badSince = get("/audit?since=yesterday", Optional.of(root));
        assertThat(badSince.body()).contains("must be a time such as 2026-12-01T00:00:00Z; showing every time");
    }

    HttpResponse<String> events(String path, String cookie) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path))
                        .header("Accept", "text/event-stream")
                        .header("Cookie", Console.COOKIE + "=" + cookie)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void labsAreListedExtendedWithinTheLimitAndTakenDown() throws Exception {
        long id = console.lab("feature/x");
        String cookie = login(token("alice", "deploy"));
        HttpResponse<String> page = get("/labs", Optional.of(cookie));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains("feature/x")
                .contains("success")
                .contains("24h")
                .contains("<p class=\"count\">1 lab</p>");

        // Read as the API reads it: 90d is beyond what this server allows any lab at all.
        HttpResponse<String> outOfRange = post(
                "/labs/" + id + "/extend",
                Optional.of(cookie),
                Map.of("_csrf", csrf(page.body()), "by", "90d"),
                Optional.of(origin()));
        assertThat(outOfRange.statusCode()).isEqualTo(303);
        assertThat(get(outOfRange.headers().firstValue("Location").orElseThrow(), Optional.of(cookie))
                        .body())
                .contains("class=\"flash bad\" role=\"alert\">by: '90d' is outside what this server allows")
                .doesNotContain("extended: expires");
        // 30d is allowed as a lifetime, but not on top of the day this lab has left.
        HttpResponse<String> tooLong = post(
                "/labs/" + id + "/extend",
                Optional.of(cookie),
                Map.of("_csrf", csrf(page.body()), "by", "30d"),
                Optional.of(origin()));
        assertThat(tooLong.statusCode()).isEqualTo(303);
        HttpResponse<String> said = get(tooLong.headers().firstValue("Location").orElseThrow(), Optional.of(cookie));
        assertThat(said.body())
                .contains("class=\"flash bad\" role=\"alert\">by: the lab expires in")
                .contains("goes past the server")
                .doesNotContain("extended: expires");

        HttpResponse<String> down = post(
                "/labs/" + id + "/down",
                Optional.of(cookie),
                Map.of("_csrf", csrf(page.body())),
                Optional.of(origin()));
        assertThat(down.statusCode()).isEqualTo(303);
        HttpResponse<String> after = get(down.headers().firstValue("Location").orElseThrow(), Optional.of(cookie));
        assertThat(after.body()).contains("Lab shop/feature/x taken down.").contains("No live lab");
        assertThat(admin.audit("lab.delete"))
                .anySatisfy(e -> assertThat(e.get("source").asText()).isEqualTo("web"));
    }

    @Test
    void aDeploysPageShowsItsLogAndItsStreamNeedsASessionAndStartsAfterTheShownLines() throws Exception {
        ApiClient.Reply queued = admin.post("/api/apps/shop/environments/production/deploys", "");
        long id = queued.json().get("id").asLong();
        admin.awaitDeploy(id);
        String cookie = login(token("viewer", "read"));
        HttpResponse<String> page = get("/deploys/" + id, Optional.of(cookie));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains("id=\"state\" class=\"state ok\">succeeded")
                .contains("east-1: started")
                .doesNotContain("data-stream");

        HttpResponse<String> env = get(ENV_PAGE, Optional.of(cookie));
        assertThat(env.body())
                .as("the cluster group's picture: each cluster with what the deploy left there, coloured by it while no"
                        + " router can say how the cluster is")
                .contains("<h2>Cluster group production</h2>")
                .containsPattern(
                        "class=\"cell ok\" data-cluster=\"east-1\" data-health=\"unknown\">\\s*<strong>east-1</strong><br>\\s*r1 ")
                .containsPattern(
                        "class=\"cell ok\" data-cluster=\"west-1\" data-health=\"unknown\">\\s*<strong>west-1</strong><br>\\s*r1 ");

        HttpResponse<String> anonymous = get("/deploys/" + id + "/log", Optional.empty());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        int lines = admin.get("/api/deploys/" + id).json().path("clusters").size();
        assertThat(lines).isPositive();
        HttpResponse<String> all = events("/deploys/" + id + "/log", cookie);
        HttpResponse<String> rest = events("/deploys/" + id + "/log?after=2", cookie);
        assertThat(all.body()).contains("id: 1\n").contains("event: end");
        assertThat(rest.body())
                .doesNotContain("id: 1\n")
                .doesNotContain("id: 2\n")
                .contains("id: 3\n");
        assertThat(get("/deploys/999999", Optional.of(cookie)).statusCode()).isEqualTo(404);
    }

    /**
     * A store that already holds 60 finished deploys of production (written before the server starts, so its
     * deploy runner has nothing to pick up) and, once it runs, {@code labs} labs: all but 50 of shop, those 50
     * of blog.
     */
    void startWithAFullStore(int labs) {
        console.close();
        console = new ConsoleServer(root, "full", c -> {
            try (Store store = Store.open(c.store(), java.time.Clock.systemUTC())) {
                for (int i = 0; i < 60; i++) {
                    DeployRecord d = store.deploys()
                            .enqueue(DeployRequest.deploy(
                                    "shop", "production", Optional.of("v" + i), "ci", RequestSource.API));
                    store.deploys().claimNext("seed").orElseThrow();
                    store.deploys().planClusters(d.id(), List.of("east-1", "west-1"));
                    for (String cluster : List.of("east-1", "west-1")) {
                        store.deploys()
                                .updateCluster(
                                        d.id(), cluster, ClusterState.SUCCEEDED, Optional.of(i + 1), Optional.empty());
                    }
                    store.deploys().finish(d.id(), DeployState.SUCCEEDED, Optional.empty());
                }
            }
            return c;
        });
        config = console.config;
        server = console.server;
        admin = console.admin;
        for (int i = 0; i < labs; i++) {
            String app = i < labs - 50 ? "shop" : "blog";
            String slug = "pr-" + i;
            server.store()
                    .labs()
                    .open(new LabOpening(
                            app,
                            "pr/" + i,
                            slug,
                            app + "-lab-" + slug,
                            "%040x".formatted(i),
                            "ci",
                            Duration.ofHours(24)));
        }
    }

    static int rows(String page, String marker) {
        return page.split(Pattern.quote(marker), -1).length - 1;
    }

    static String link(String page, String rel) {
        Matcher m = Pattern.compile("<a href=\"([^\"]+)\" rel=\"" + rel + "\">").matcher(page);
        assertThat(m.find()).as("the page links to " + rel).isTrue();
        return m.group(1).replace("&amp;", "&");
    }

    @Test
    void tenThousandLabsArePagedAHundredAtATimeWithTheirCountAndLinksBothWays() throws Exception {
        startWithAFullStore(10_000);
        String cookie = login(token("viewer", "read"));

        String first = get("/labs", Optional.of(cookie)).body();
        assertThat(first).contains("Showing 1–100 of 10,000 labs").doesNotContain("rel=\"prev\"");
        assertThat(rows(first, "<tr data-lab=")).isEqualTo(100);
        assertThat(link(first, "next")).isEqualTo("/labs?offset=100");
        assertThat(link(first, "last")).isEqualTo("/labs?offset=9900");

        String second = get(link(first, "next"), Optional.of(cookie)).body();
        assertThat(second)
                .contains("Showing 101–200 of 10,000 labs")
                .contains("pr/100<")
                .doesNotContain("pr/99<");
        assertThat(link(second, "prev")).isEqualTo("/labs?offset=0");

        String shop = get("/labs?app=shop", Optional.of(cookie)).body();
        assertThat(shop).contains("Showing 1–100 of 9,950 labs of shop");
        String shopLast = get(link(shop, "last"), Optional.of(cookie)).body();
        assertThat(shopLast)
                .contains("Showing 9,901–9,950 of 9,950 labs of shop")
                .doesNotContain("rel=\"next\"")
                .doesNotContain("blog");
        assertThat(rows(shopLast, "<tr data-lab=")).as("the remainder").isEqualTo(50);
        assertThat(link(shopLast, "prev")).isEqualTo("/labs?app=shop&offset=9800");

        String blog = get("/labs?app=blog", Optional.of(cookie)).body();
        assertThat(blog).contains("<p class=\"count\">50 labs of blog</p>").doesNotContain("rel=\"next\"");

        String pastTheEnd = get("/labs?offset=20000", Optional.of(cookie)).body();
        assertThat(pastTheEnd).contains("10,000 labs; none on this page");
        assertThat(link(pastTheEnd, "prev")).isEqualTo("/labs?offset=9900");

        String overview = get("/", Optional.of(cookie)).body();
        assertThat(overview).as("production's last deploy").contains("#60 v59");
        assertThat(overview).as("staging was never deployed").contains("never deployed");
    }

    @Test
    void theEnvironmentPageListsTheClustersRecentWarningsWithTheirDeploy() throws Exception {
        String cookie = login(token("viewer", "read"));
        assertThat(get(ENV_PAGE, Optional.of(cookie)).body())
                .contains("No abnormal Kubernetes event forwarded for this environment.");
        java.time.Instant at = java.time.Instant.parse("2026-12-08T09:00:00Z");
        server.store()
                .forwardedEvents()
                .take(
                        new dev.slipway.store.ForwardedEvent(
                                0,
                                "shop",
                                "production",
                                "east-1",
                                "shop",
                                "Pod",
                                "web-7f9c",
                                "OOMKilling",
                                "Warning",
                                "Memory cgroup out of memory: killed process 42 <java>",
                                3,
                                at,
                                at,
                                Optional.of(4),
                                Optional.of("v2"),
                                Optional.of("alice"),
                                Optional.of(9L)),
                        "100",
                        java.time.Duration.ofMinutes(10),
                        () -> true,
                        List.of(),
                        10);

        String page = get(ENV_PAGE, Optional.of(cookie)).body();

        assertThat(page)
                .contains("<h2>Cluster warnings</h2>")
                .contains("<code>Pod/web-7f9c</code>")
                .contains("OOMKilling")
                .contains("killed process 42 &lt;java&gt;")
                .contains("r4 <code>v2</code>")
                .contains("/api/apps/shop/environments/production/events");
    }

    @Test
    void theEnvironmentsDeployHistoryPagesBackFiftyAtATime() throws Exception {
        startWithAFullStore(0);
        String cookie = login(token("viewer", "read"));

        String newest = get(ENV_PAGE, Optional.of(cookie)).body();
        assertThat(rows(newest, "<a href=\"/deploys/")).isEqualTo(50);
        assertThat(newest).contains(">60</a>").doesNotContain(">10</a>");
        assertThat(link(newest, "next")).isEqualTo(ENV_PAGE + "?before=11#deploys");
        assertThat(newest)
                .as("the group picture still shows what the newest deploy left")
                .containsPattern(
                        "data-cluster=\"east-1\" data-health=\"unknown\">\\s*<strong>east-1</strong><br>\\s*r60 ");

        String older = get(link(newest, "next").replace("#deploys", ""), Optional.of(cookie))
                .body();
        assertThat(older).contains("Deploys before #11").contains(">10</a>").doesNotContain(">11</a>");
        assertThat(rows(older, "<a href=\"/deploys/")).isEqualTo(10);
        assertThat(older).doesNotContain("Older deploys");
        assertThat(link(older, "first")).isEqualTo(ENV_PAGE + "#deploys");
    }

    @Test
    void theAuditLogPagesOlderAndNewerUnderItsFilters() throws Exception {
        for (int i = 0; i < 250; i++) {
            server.store().auditLog().record("ci", "deploy.enqueue", "shop/production", RequestSource.API, "n" + i);
            server.store().auditLog().record("ci", "deploy.enqueue", "blog/production", RequestSource.API, "n" + i);
        }
        String root = login(ServerFixture.adminToken(config));
        String filter = "/audit?actor=ci&app=shop&action=deploy.enqueue";

        String first = get(filter, Optional.of(root)).body();
        assertThat(rows(first, "<td>shop/production</td>")).isEqualTo(100);
        assertThat(first)
                .contains("<td>n249</td>")
                .doesNotContain("blog/production")
                .doesNotContain("rel=\"prev\"");
        String second = get(link(first, "next"), Optional.of(root)).body();
        assertThat(second).contains("<td>n149</td>").contains("<td>n50</td>").doesNotContain("<td>n150</td>");
        String third = get(link(second, "next"), Optional.of(root)).body();
        assertThat(rows(third, "<td>shop/production</td>")).as("the oldest 50").isEqualTo(50);
        assertThat(third).doesNotContain("rel=\"next\"");

        String back = get(link(third, "prev"), Optional.of(root)).body();
        assertThat(back)
                .as("newer from the oldest page is the second page again")
                .contains("<td>n149</td>")
                .contains("<td>n50</td>");
        assertThat(link(back, "first")).isEqualTo("/audit?actor=ci&app=shop&action=deploy.enqueue&since=");
        assertThat(link(back, "next")).contains("actor=ci&app=shop&action=deploy.enqueue");
    }

    ClusterStatus status(String cluster) {
        return server.rollouts()
                .status(RolloutApiTest.KEY)
                .flatMap(s -> s.cluster(cluster))
                .orElseThrow()
                .status();
    }
}
