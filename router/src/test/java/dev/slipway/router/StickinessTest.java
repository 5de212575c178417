package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A percent stage keeps each client on one side without cookies when the route says how: by a header (a user
 * id) or the client's address, the same on every router; the bucket cookie remains the fallback.
 */
class StickinessTest {
    @TempDir
    Path dir;

    static String config(String a, String b, String sticky) {
        return RouterFixture.header() + """
                backends:
                  a: {clusters: [{name: east, endpoints: [%s]}]}
                  b: {clusters: [{name: east, endpoints: [%s]}]}
                routes:
                  - name: web
                    backend: a
                    migration: {to: b, stage: percent 30}
                    sticky: %s
                """.formatted(a, b, sticky);
    }

    @Test
    void aUserIdHeaderKeepsEachUserOnOneSideOnEveryRouterWithoutACookie() throws Exception {
        try (TestBackend a = new TestBackend("A");
                TestBackend b = new TestBackend("B");
                RouterFixture one = new RouterFixture(
                        Files.createDirectories(dir.resolve("one")),
                        config(a.address(), b.address(), "{header: X-User-Id}"));
                RouterFixture two = new RouterFixture(
                        Files.createDirectories(dir.resolve("two")),
                        config(a.address(), b.address(), "{header: X-User-Id}"))) {
            TestClient first = one.client();
            TestClient second = two.client();
            Map<String, String> sideOf = new HashMap<>();
            int onB = 0;
            for (int user = 0; user < 300; user++) {
                String header = "X-User-Id: user-" + user;
                TestClient.Response r = first.get("/", header);
                assertThat(r.header("set-cookie"))
                        .as("no cookie when the key decides")
                        .isNull();
                sideOf.put("user-" + user, r.body());
                onB += r.body().equals("B") ? 1 : 0;
                for (int again = 0; again < 3; again++) {
                    assertThat(first.get("/", header).body()).isEqualTo(r.body());
                }
                assertThat(second.get("/", header).body())
                        .as("user-%d on another router", user)
                        .isEqualTo(r.body());
            }
            assertThat(onB).as("users on B of 300 at 30%%").isBetween(60, 120);

            TestClient.Response noKey = first.get("/");
            assertThat(noKey.header("set-cookie"))
                    .as("without the header: the bucket cookie, as without stickiness")
                    .startsWith("slipway-bucket=");
            assertThat(one.admin().get("/config").body()).contains("header X-User-Id, then the cookie");
        }
    }

    @Test
    void theClientAddressKeepsEveryConnectionOfOneClientOnOneSide() throws Exception {
        try (TestBackend a = new TestBackend("A");
                TestBackend b = new TestBackend("B");
                RouterFixture fixture = new RouterFixture(dir, config(a.address(), b.address(), "client-address"))) {
            String side = fixture.client().get("/").body();
            for (int connection = 0; connection < 30; connection++) {
                TestClient.Response r = fixture.client().get("/");
                assertThat(r.body()).isEqualTo(side);
                assertThat(r.header("set-cookie")).isNull();
            }
            assertThat(side).isEqualTo(RouteTraffic.bucketOf("127.0.0.1") < 30 ? "B" : "A");
        }
    }

    @Test
    void anUnknownWayToStickIsRefusedWithTheChoices() throws Exception {
        Path file = Files.writeString(dir.resolve("router.yaml"), config("10.0.0.1:80", "10.0.0.2:80", "session"));
        assertThatThrownBy(() -> RouterConfigLoader.load(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("(routes.0.sticky): 'session' is not a way to keep clients on one side")
                .hasMessageContaining("sticky: {header: X-User-Id}");
    }
}
