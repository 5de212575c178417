package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.slipway.core.InvalidInputException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The admin API over real sockets: what a web page could send is refused, what operators send is not. */
class AdminApiTest {
    static final String TOKEN = "s3cret-admin-token-0123456789";

    @TempDir
    Path dir;

    TestBackend a = new TestBackend("A");
    TestBackend b = new TestBackend("B");
    RouterFixture fixture;

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        a.close();
        b.close();
    }

    String config(String extra) {
        return RouterFixture.header() + extra + """
                backends:
                  one: {clusters: [{name: east, endpoints: [%s]}]}
                  two: {clusters: [{name: east, endpoints: [%s]}]}
                routes:
                  - {name: web, backend: one, migration: {to: two, stage: off}}
                """.formatted(a.address(), b.address());
    }

    RouterFixture start(String extra) {
        fixture = new RouterFixture(dir, config(extra));
        return fixture;
    }

    int port() {
        return fixture.router.adminAddress().getPort();
    }

    TestClient adminAs(String host) {
        return new TestClient(fixture.router.adminAddress(), host);
    }

    @Test
    void aCrossSitePostThroughARebindingHostNameIsRefusedAndChangesNothing() {
        start("");
        TestClient page = adminAs("attacker.example:" + port());
        TestClient.Response r = page.post("/routes/web/stage", "full", "Content-Type: text/plain");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).contains("does not name this admin API");
        assertThat(page.post("/drain", "").status()).isEqualTo(403);
        assertThat(fixture.router.stage("web")).isEqualTo(Stage.off());
        assertThat(fixture.admin().get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void aHostNamingAnotherPortOrNoHostAtAllIsRefused() {
        start("");
        assertThat(adminAs("127.0.0.1:1").post("/routes/web/stage", "full").status())
                .isEqualTo(403);
        TestClient noHost = adminAs("unused");
        noHost.send("POST /drain HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
        assertThat(noHost.read().status()).isEqualTo(403);
        assertThat(fixture.router.stage("web")).isEqualTo(Stage.off());
    }

    @Test
    void aForeignOriginOrCrossSiteFetchIsRefusedEvenWithTheRightHost() {
        start("");
        TestClient admin = fixture.admin();
        assertThat(admin.post("/routes/web/stage", "full", "Origin: http://attacker.example")
                        .status())
                .isEqualTo(403);
        assertThat(admin.post("/routes/web/stage", "full", "Origin: null").status())
                .isEqualTo(403);
        assertThat(admin.post("/routes/web/stage", "full", "Sec-Fetch-Site: cross-site")
                        .status())
                .isEqualTo(403);
        assertThat(fixture.router.stage("web")).isEqualTo(Stage.off());
    }

    @Test
    void loopbackNamesWithTheAdminPortAreServed() {
        start("");
        assertThat(adminAs("localhost:" + port())
                        .post("/routes/web/stage", "percent 10")
                        .status())
                .isEqualTo(200);
        assertThat(adminAs("127.0.0.1:" + port())
                        .post("/routes/web/stage", "full", "Origin: http://127.0.0.1:" + port())
                        .status())
                .isEqualTo(200);
        assertThat(fixture.router.stage("web")).isEqualTo(Stage.full());
        assertThat(fixture.client().get("/").body()).isEqualTo("B");
    }

    Path tokenFile(String mode) throws IOException {
        Path f = dir.resolve("admin-token");
        Files.writeString(f, TOKEN + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    @Test
    void withATokenConfiguredEveryRequestButHealthzNeedsIt() throws IOException {
        tokenFile("rw-------");
        start("adminTokenFile: admin-token\n");
        TestClient admin = fixture.admin();
        assertThat(admin.get("/healthz").status()).isEqualTo(200);

        TestClient.Response none = admin.post("/routes/web/stage", "full");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("www-authenticate")).startsWith("Bearer");
        assertThat(none.body()).doesNotContain(TOKEN);
        assertThat(admin.get("/metrics").status()).isEqualTo(401);
        assertThat(admin.post("/routes/web/stage", "full", "Authorization: Bearer wrong-token-0123456789")
                        .status())
                .isEqualTo(401);
        assertThat(fixture.router.stage("web")).isEqualTo(Stage.off());

        assertThat(admin.post("/routes/web/stage", "full", "Authorization: Bearer " + TOKEN)
                        .status())
                .isEqualTo(200);
        assertThat(admin.get("/metrics", "Authorization: bearer " + TOKEN).status())
                .isEqualTo(200);
        assertThat(fixture.router.stage("web")).isEqualTo(Stage.full());
    }

    @Test
    void aTokenFileOthersCanReadIsRefusedWithTheChmodToRun() throws IOException {
        Path token = tokenFile("rw-r--r--");
        Path config = Files.writeString(dir.resolve("router.yaml"), config("adminTokenFile: admin-token\n"));
        assertThatThrownBy(() -> Router.start(config))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(config + ":3 (adminTokenFile)")
                .hasMessageContaining("chmod 600 " + token)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN));
    }

    @Test
    void reloadsRunOnTheirOwnThreadAndTheEventLoopsAreNamed() {
        start("");
        assertThat(fixture.admin().post("/reload", "").status()).isEqualTo(200);
        // The reload thread starts with the first change the admin API hands it: the admin loop never
        // reads or parses the file itself.
        assertThat(Thread.getAllStackTraces().keySet().stream().map(Thread::getName))
                .contains("router-reload", "router-admin", "router-health")
                .anyMatch(n -> n.startsWith("router-io-"));
    }

    @Test
    void anAdminAddressOffLoopbackIsWarnedAbout() {
        // Not bound here: tests listen on loopback only.
        assertThat(NettyRouter.exposureWarning(new InetSocketAddress("0.0.0.0", 9901), false))
                .hasValueSatisfying(
                        w -> assertThat(w).contains("not on loopback").contains("set adminTokenFile"));
        assertThat(NettyRouter.exposureWarning(new InetSocketAddress("10.0.0.5", 9901), true))
                .hasValueSatisfying(w -> assertThat(w).contains("requests need the admin token"));
        assertThat(NettyRouter.exposureWarning(new InetSocketAddress("127.0.0.1", 9901), false))
                .isEmpty();
    }

    @Test
    void anAdminAddressOnLoopbackStartsWithoutThatWarning() {
        Logger logger = (Logger) LoggerFactory.getLogger(NettyRouter.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            start("");
            assertThat(logged.list)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .noneMatch(m -> m.contains("not on loopback"));
        } finally {
            logger.detachAppender(logged);
        }
    }
}
