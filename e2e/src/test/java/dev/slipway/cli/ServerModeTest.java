package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy / status / history / rollback with --server: the real CLI in-process against a real server on
 * 127.0.0.1 that deploys to a simulated cluster. Each test uses its own environment of the one registered app.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerModeTest {
    private static final ObjectMapper JSON = RunningServer.JSON;

    private Path tmp;
    private RunningServer fixture;
    private Path appDir;
    private Path adminToken;
    private CliRun cli;

    @BeforeAll
    void startServer(@TempDir Path dir) throws Exception {
        tmp = dir;
        fixture = RunningServer.start(dir);
        appDir = fixture.appDir;
        adminToken = fixture.adminToken;
        cli = new CliRun(tmp.resolve("home"), tmp).env("USER", "alice");
    }

    @AfterAll
    void stopServer() {
        fixture.close();
    }

    @Test
    void deployThroughTheServerFollowsItsProgressAndAppliesTheApp() {
        var result = cli.run(
                "deploy",
                appDir.toString(),
                "--env",
                "production",
                "--ref",
                "v1",
                "--server",
                fixture.url(),
                "--token-file",
                adminToken.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out())
                .contains("Deploying shop to production through " + fixture.url())
                .contains("east-1: deployed (revision 1)")
                .contains("Deployed shop in production");
        assertThat(greeting("shop")).isEqualTo("hello");
    }

    @Test
    void appsAreRegisteredListedAndRemovedFromTheCli() throws IOException {
        Path other = tmp.resolve("billing");
        Files.createDirectories(other.resolve("kubernetes"));
        Files.writeString(other.resolve("slipway.yaml"), """
                app: billing
                manifests: kubernetes/
                environments:
                  production: {group: production, namespace: billing}
                """);
        Files.writeString(other.resolve("kubernetes/cm.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: rates}
                data: {vat: "0.2"}
                """);
        CliRun admin = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_SERVER", fixture.url())
                .env("SLIPWAY_TOKEN_FILE", adminToken.toString());

        var register = admin.run("app", "register", "billing", "--lab-ttl", "48h");
        assertThat(register.exitCode()).as(register.toString()).isZero();
        assertThat(register.out())
                .contains("Registered billing from " + other)
                .contains("environments: production")
                .contains("labs live 48h");
        assertThat(admin.run("app", "list").out()).containsPattern("billing\\s+" + other + "\\s+production\\s+48h");
        var deploy = admin.run("deploy", other.toString(), "--env", "production");
        assertThat(deploy.exitCode()).as(deploy.toString()).isZero();
        assertThat(fixture.clusters
                        .cluster("east-1")
                        .client()
                        .configMaps()
                        .inNamespace("billing")
                        .withName("rates")
                        .get())
                .isNotNull();

        var remove = admin.run("app", "remove", "billing");
        assertThat(remove.exitCode()).as(remove.toString()).isZero();
        assertThat(admin.run("app", "list", "-o", "json").out()).doesNotContain("\"billing\"");
        var gone = admin.run("deploy", other.toString(), "--env", "production");
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.err()).contains("no app 'billing' is registered");

        var noServer = new CliRun(tmp.resolve("home"), tmp).run("app", "list");
        assertThat(noServer.exitCode()).isEqualTo(1);
        assertThat(noServer.err()).contains("--server").contains("none was given");
    }

    @Test
    void aFreezeThroughTheServerRefusesTheNextDeployUntilItIsLifted() {
        CliRun viaEnv = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_SERVER", fixture.url())
                .env("SLIPWAY_TOKEN_FILE", adminToken.toString());
        var freeze = viaEnv.run("freeze", "shop", "--env", "staging", "--for", "2h", "--reason", "release week");
        assertThat(freeze.exitCode()).as(freeze.toString()).isZero();
        assertThat(freeze.out()).containsPattern("east-1: frozen by \\S+ until \\S+Z: release week");

        var refused = viaEnv.run("deploy", appDir.toString(), "--env", "staging", "--ref", "v1");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.toString()).contains("staging is frozen by").contains("release week");
        // An admin's override goes through once, audited on the server; the freeze stays for the next deploy.
        var override = viaEnv.run(
                "deploy", appDir.toString(), "--env", "staging", "--ref", "v1", "--override-freeze", "CVE fix");
        assertThat(override.exitCode()).as(override.toString()).isZero();
        assertThat(viaEnv.run("deploy", appDir.toString(), "--env", "staging", "--ref", "v1")
                        .exitCode())
                .as("still frozen for the next one")
                .isNotZero();
        var rollbackOverride = viaEnv.run("rollback", "shop", "--env", "staging", "--override-freeze", "x");
        assertThat(rollbackOverride.exitCode()).isNotZero();
        assertThat(rollbackOverride.err()).contains("--override-freeze cannot be used with rollback --server");

        var unfreeze = viaEnv.run("unfreeze", "shop", "--env", "staging");
        assertThat(unfreeze.exitCode()).as(unfreeze.toString()).isZero();
        assertThat(unfreeze.out()).contains("east-1: not frozen");
        assertThat(viaEnv.run("deploy", appDir.toString(), "--env", "staging", "--ref", "v1")
                        .exitCode())
                .isZero();
    }

    @Test
    void statusHistoryAndRollbackGoThroughTheServerNamedByTheEnvironment() throws IOException {
        CliRun viaEnv = new CliRun(tmp.resolve("home"), tmp)
                .env("SLIPWAY_SERVER", fixture.url())
                .env("SLIPWAY_TOKEN_FILE", adminToken.toString());
        assertThat(viaEnv.run("deploy", appDir.toString(), "--env", "staging", "--ref", "v1")
                        .exitCode())
                .isZero();
        fixture.writeManifests("bye", "ready");
        try {
            assertThat(viaEnv.run("deploy", appDir.toString(), "--env", "staging", "--ref", "v2")
                            .exitCode())
                    .isZero();
        } finally {
            fixture.writeManifests("hello", "ready");
        }
        assertThat(greeting("shop-staging")).isEqualTo("bye");

        var status = viaEnv.run("status", "shop", "--env", "staging", "--all");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out())
                .contains("shop in staging (namespace shop-staging, group ")
                .contains("through " + fixture.url() + ")")
                .containsPattern("latest deploy: #\\d+ deploy succeeded, ref v2")
                .containsPattern("east-1: revision 2 \\(succeeded, .*, ref v2\\), (\\d+)/\\1 objects healthy")
                .contains("healthy  Deployment.apps/web");
        JsonNode live = JSON.readTree(
                viaEnv.run("status", "shop", "--env", "staging", "-o", "json").out());
        assertThat(live.get("healthy").asBoolean()).isTrue();
        assertThat(live.get("server").asText()).isEqualTo(fixture.url());
        assertThat(live.get("clusters").get(0).get("objects"))
                .anySatisfy(o -> assertThat(
                                o.get("name").asText() + " " + o.get("state").asText())
                        .isEqualTo("web healthy"));

        var rollback = viaEnv.run("rollback", "shop", "--env", "staging", "--to", "1");
        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        assertThat(rollback.out())
                .contains("Rolled back shop in staging to release ")
                .contains("east-1: revision 2 (release ");
        assertThat(greeting("shop-staging")).isEqualTo("hello");

        var history = viaEnv.run("history", "shop", "--env", "staging", "--output", "json");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        JsonNode revisions = JSON.readTree(history.out()).get("clusters").get(0).get("revisions");
        assertThat(revisions).extracting(r -> r.get("number").asInt()).containsExactly(3, 2, 1);
        assertThat(revisions.get(0).get("rollbackOf").asInt()).isEqualTo(1);
        String v1 = revisions.get(2).get("release").asText();
        assertThat(v1).matches("[0-9a-f]{12}");
        assertThat(revisions.get(0).get("release").asText())
                .as("a rollback records the release it restores")
                .isEqualTo(v1);
        assertThat(rollback.out()).contains("to release " + v1 + " (deploy #");
        assertThat(viaEnv.run("history", "shop", "--env", "staging").out())
                .containsPattern("3  \\S+  succeeded  .*  release " + v1 + "  ref v1  \\(rollback of 1\\)");
    }

    @Test
    void aFailedRolloutThroughTheServerExitsOneNamingTheCluster() throws IOException {
        fixture.writeManifests("hello", "fail");
        try {
            var result = cli.run(
                    "deploy",
                    appDir.toString(),
                    "--env",
                    "qa",
                    "--server",
                    fixture.url(),
                    "--token-file",
                    adminToken.toString());

            assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
            assertThat(result.err())
                    .contains("deploy #")
                    .contains("of shop to qa failed")
                    .contains(
                            "east-1: cluster east-1, Deployment.apps/web (namespace shop-qa): did not become healthy");
            var status = cli.run(
                    "status", "shop", "--env", "qa", "--server", fixture.url(), "--token-file", adminToken.toString());
            assertThat(status.exitCode()).as(status.toString()).isEqualTo(1);
            assertThat(status.out())
                    .containsPattern("latest deploy: #\\d+ deploy failed")
                    .as("the server reads the object's live health")
                    .containsPattern("(failed|progressing)  Deployment.apps/web");
        } finally {
            fixture.writeManifests("hello", "ready");
        }
    }

    @Test
    void aMissingTokenFileIsAClearErrorBeforeAnyRequest() {
        var result = cli.run("status", "shop", "--env", "production", "--server", fixture.url());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .contains("no token for " + fixture.url() + ": no token file at this path")
                .contains(tmp.resolve("home/.config/slipway/tokens")
                        .resolve(URLEncoder.encode(fixture.url(), StandardCharsets.UTF_8))
                        .toString())
                .contains("slipway login --server " + fixture.url());
    }

    @Test
    void anUnknownTokenIsRefusedAndNothingIsDeployed() throws IOException {
        Path wrong = fixture.tokenFile("wrong-token", "not-a-token-the-server-issued");

        var result = cli.run(
                "deploy",
                appDir.toString(),
                "--env",
                "preview",
                "--server",
                fixture.url(),
                "--token-file",
                "wrong-token");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err())
                .startsWith("error: ")
                .doesNotContain("not-a-token")
                .doesNotContain("Exception");
        assertThat(result.err().toLowerCase()).containsAnyOf("token", "unauthorized");
        assertThat(fixture.clusters
                        .cluster("east-1")
                        .client()
                        .configMaps()
                        .inNamespace("shop-preview")
                        .withName("settings")
                        .get())
                .isNull();
        assertThat(wrong).exists();
    }

    @Test
    void aReadOnlyTokenMayReadButNotDeploy() throws Exception {
        JsonNode issued = fixture.api("POST", "/api/tokens", "{\"name\": \"viewer\", \"scope\": \"read\"}");
        fixture.tokenFile("viewer-token", issued.get("secret").asText());

        var deploy = cli.run(
                "deploy",
                appDir.toString(),
                "--env",
                "preview",
                "--server",
                fixture.url(),
                "--token-file",
                "viewer-token");
        var history = cli.run(
                "history", "shop", "--env", "preview", "--server", fixture.url(), "--token-file", "viewer-token");

        assertThat(deploy.exitCode()).as(deploy.toString()).isEqualTo(1);
        assertThat(deploy.err()).startsWith("error: ").contains("deploy");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.out()).contains("never deployed");
    }

    @Test
    void aTokenFileOthersCanReadIsRefused() throws IOException {
        Path shared = fixture.tokenFile("shared-token", "whatever");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));

        var result = cli.run(
                "history", "shop", "--env", "production", "--server", fixture.url(), "--token-file", "shared-token");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("readable by other users").contains("chmod 600");
    }

    @Test
    void anUnreachableServerIsAClearErrorNotATrace() throws IOException {
        int closedPort = closedPort();

        var result = cli.run(
                "status",
                "shop",
                "--env",
                "production",
                "--server",
                "http://127.0.0.1:" + closedPort,
                "--token-file",
                adminToken.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .startsWith("error: http://127.0.0.1:" + closedPort)
                .contains("cannot reach the Slipway server: connection refused")
                .doesNotContain("\tat ");
    }

    @Test
    void plainHttpToAnotherHostIsRefusedSoTheTokenNeverCrossesTheNetworkInClear() {
        var result = cli.run(
                "status",
                "shop",
                "--env",
                "production",
                "--server",
                "http://slipway.example:7420",
                "--token-file",
                adminToken.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("plain http").contains("https://");
    }

    @Test
    void plainHttpIsAllowedByWhereTheHostResolvesNotByHowItsNameLooks() {
        int port = fixture.server.port();
        var lookalike = cli.run(
                "history",
                "shop",
                "--env",
                "production",
                "--server",
                "http://127.evil.example:" + port,
                "--token-file",
                adminToken.toString());
        assertThat(lookalike.exitCode()).as(lookalike.toString()).isEqualTo(1);
        assertThat(lookalike.err())
                .startsWith("error: --server http://127.evil.example:" + port
                        + ": uses plain http to a host that is not loopback")
                .contains("127.evil.example does not resolve here")
                .contains("use https://, e.g. https://127.evil.example:" + port);

        for (String host : List.of("127.0.0.1", "localhost")) {
            var loopback = cli.run(
                    "history",
                    "shop",
                    "--env",
                    "production",
                    "--server",
                    "http://" + host + ":" + port,
                    "--token-file",
                    adminToken.toString());
            assertThat(loopback.exitCode()).as(host + ": " + loopback).isZero();
        }
        // The server listens on 127.0.0.1 only: [::1] passes the check and then finds nobody on that port.
        var ipv6 = cli.run(
                "history",
                "shop",
                "--env",
                "production",
                "--server",
                "http://[::1]:" + port,
                "--token-file",
                adminToken.toString());
        assertThat(ipv6.err()).as(ipv6.toString()).doesNotContain("plain http");
    }

    @Test
    void clusterSideDeployOptionsAreAUsageErrorWithServer() {
        var result = cli.run(
                "deploy",
                appDir.toString(),
                "--env",
                "production",
                "--force-conflicts",
                "--server",
                fixture.url(),
                "--token-file",
                adminToken.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--force-conflicts cannot be used with --server");
    }

    @Test
    void rollbackRefusesClusterSideOptionsWithServerLikeDeploy() {
        var result = cli.run(
                "rollback",
                "shop",
                "--env",
                "production",
                "--timeout",
                "1m",
                "--server",
                fixture.url(),
                "--token-file",
                adminToken.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("--timeout cannot be used with --server");
    }

    @Test
    void theConfigFileNamesServerAndTokenAndTheEnvironmentAndFlagsOverrideIt() throws IOException {
        Path configDir = tmp.resolve("xdg/slipway");
        Files.createDirectories(configDir);
        Files.copy(adminToken, configDir.resolve("admin-token"));
        Files.writeString(configDir.resolve("config.yaml"), """
                # the team's control plane
                server: %s
                token-file: admin-token
                """.formatted(fixture.url()));
        int closedPort = closedPort();
        String unreachable = "http://127.0.0.1:" + closedPort;
        CliRun configured = new CliRun(tmp.resolve("home"), tmp)
                .env("XDG_CONFIG_HOME", tmp.resolve("xdg").toString());

        var fromConfig = configured.run("history", "shop", "--env", "production");
        assertThat(fromConfig.exitCode()).as(fromConfig.toString()).isZero();
        assertThat(fromConfig.out()).contains("east-1");

        configured.env("SLIPWAY_SERVER", unreachable);
        var envWins = configured.run("history", "shop", "--env", "production");
        assertThat(envWins.exitCode()).isEqualTo(1);
        assertThat(envWins.err()).contains(unreachable).contains("cannot reach the Slipway server");

        var flagWins = configured.run("history", "shop", "--env", "production", "--server", fixture.url());
        assertThat(flagWins.exitCode()).as(flagWins.toString()).isZero();

        var direct = configured.run("history", "shop", "--env", "production", "--server", "", "--app-dir", "shop");
        assertThat(direct.exitCode()).isEqualTo(1);
        assertThat(direct.err()).contains("no clusters file");
    }

    @Test
    void loginWithoutAKeyringChecksTheTokenAndKeepsItInThe0600TokenFile() throws IOException {
        // No PATH in the environment: no keyring tool can be found, as on a machine without one.
        CliRun noKeyring = new CliRun(tmp.resolve("login-home"), tmp);
        Path tokenFile = tmp.resolve("login-home/.config/slipway/tokens")
                .resolve(URLEncoder.encode(fixture.url(), StandardCharsets.UTF_8));

        var wrong = noKeyring.stdin("not-a-token\n").run("login", "--server", fixture.url());
        assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(1);
        assertThat(wrong.err()).startsWith("error: ").doesNotContain("not-a-token");
        assertThat(tokenFile).doesNotExist();

        String secret = Files.readString(adminToken).strip();
        var login = noKeyring.stdin(secret + "\n").run("login", "--server", fixture.url());
        assertThat(login.exitCode()).as(login.toString()).isZero();
        assertThat(login.out()).contains("accepts the token");
        assertThat(login.err()).contains("not stored in a keyring").contains(tokenFile.toString());
        assertThat(login.out() + login.err()).doesNotContain(secret);
        assertThat(Files.readString(tokenFile).strip()).isEqualTo(secret);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile.getParent())))
                .isEqualTo("rwx------");

        var history = noKeyring.run("history", "shop", "--env", "production", "--server", fixture.url());
        assertThat(history.exitCode()).as(history.toString()).isZero();
    }

    @Test
    void loginWritesANamedTokenFileSinceCommandsReadThatFirst() throws IOException {
        CliRun cli = new CliRun(tmp.resolve("named-home"), tmp).env("SLIPWAY_TOKEN_FILE", "tokens/ci-token");
        String secret = Files.readString(adminToken).strip();

        var login = cli.stdin(secret).run("login", "--server", fixture.url());

        Path named = tmp.resolve("tokens/ci-token");
        assertThat(login.exitCode()).as(login.toString()).isZero();
        assertThat(login.out())
                .contains("Stored it in " + named + " (mode 0600)")
                .contains("$SLIPWAY_TOKEN_FILE");
        assertThat(login.err()).isEmpty();
        assertThat(Files.readString(named).strip()).isEqualTo(secret);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(named)))
                .isEqualTo("rw-------");
        assertThat(tmp.resolve("named-home/.config/slipway/token")).doesNotExist();
    }

    @Test
    void serverWithAnInvalidPortExitsOneBeforeStarting() {
        var result = cli.run("server", "--port", "http", "--state-dir", "server-state", "--clusters", "clusters.yaml");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("--port").contains("'http' is not a port");
        assertThat(tmp.resolve("server-state/admin-token")).doesNotExist();
    }

    private String greeting(String namespace) {
        return fixture.greeting(namespace).orElseThrow();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
