package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's command line refuses what it cannot run, and never takes credentials from argv. */
class ServerMainTest {

    @TempDir
    Path home;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void anUnknownOptionIsAUsageError() {
        assertThat(run("--pasword", "x")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option", "usage: slipway server");
    }

    @Test
    void aDatabasePasswordInTheJdbcUrlIsRefused() throws Exception {
        Path clusters = Files.writeString(home.resolve("clusters.yaml"), "groups: {}\n");

        int code =
                run("--clusters", clusters.toString(), "--db", "jdbc:postgresql://db/slipway?user=a&password=hunter2");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("contains a password", "PGPASSWORD");
    }

    @Test
    void aClustersFileThatWasNamedMustExist() {
        assertThat(run("--port", "0", "--clusters", home.resolve("missing.yaml").toString()))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.yaml", "does not exist");
    }

    @Test
    void withoutAnyClustersFileLabsRunLocallyBehindTheRouterPort() throws Exception {
        ServerConfig defaults = ServerMain.config(Map.of(), Map.of(), home);
        ServerConfig chosen = ServerMain.config(
                Map.of("--router-port", "9090", "--lab-url-template", "https://{lab}.{app}.labs.example.com"),
                Map.of(),
                home);

        assertThat(defaults.clustersFile()).isEmpty();
        assertThat(defaults.localLabsOnly()).isTrue();
        assertThat(defaults.routerPort()).isEqualTo(8080);
        assertThat(chosen.routerPort()).isEqualTo(9090);
        assertThat(chosen.labUrlTemplate()).contains("https://{lab}.{app}.labs.example.com");
    }

    @Test
    void aLabUserTheServerCannotSwitchToRefusesTheStartBeforeAnythingIsWritten() throws Exception {
        boolean root = new String(
                        new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .strip()
                .equals("0");

        assertThat(run("--port", "0", "--lab-user", "no-such-user-slipway")).isEqualTo(1);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--lab-user")
                .contains(root ? "there is no user 'no-such-user-slipway'" : "not root");
        assertThat(home.resolve(".local")).doesNotExist();
    }

    @Test
    void aLabUserIsRefusedWhereLabsRunOnClusters() throws Exception {
        Path clusters = Files.writeString(home.resolve("clusters.yaml"), "groups: {}\n");

        assertThat(run("--clusters", clusters.toString(), "--lab-user", "nobody"))
                .isEqualTo(1);

        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--lab-user", "labs run on clusters");
    }

    @Test
    void aLabUrlTemplateMustBeAUrlNamingTheLab() {
        assertThat(run("--lab-url-template", "labs.example.com")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--lab-url-template", "{lab}");
    }

    @Test
    void postgresCredentialsComeFromTheServiceManagersEnvironment() throws Exception {
        Path clusters = Files.writeString(home.resolve("clusters.yaml"), "groups: {}\n");

        ServerConfig config = ServerMain.config(
                Map.of("--db", "jdbc:postgresql://db:5432/slipway", "--clusters", clusters.toString()),
                Map.of("PGUSER", "slipway", "PGPASSWORD", "s3cret"),
                home);

        assertThat(config.store().credentials().user()).contains("slipway");
        assertThat(config.store().credentials().password()).contains("s3cret");
        assertThat(config.store().credentials().toString()).doesNotContain("s3cret");
        assertThat(config.host()).isEqualTo("127.0.0.1");
    }

    @Test
    void aConfigFileSetsTheOptionsWithPathsRelativeToItAndFlagsOverrideIt() throws Exception {
        Path etc = Files.createDirectories(home.resolve("etc/slipway"));
        Files.writeString(etc.resolve("clusters.yaml"), "groups: {}\n");
        Path file = Files.writeString(etc.resolve("server.yaml"), """
                # the server of team shop
                port: 7421
                clusters: clusters.yaml
                state-dir: ../../var/slipway
                db: jdbc:postgresql://db:5432/slipway
                lab-ttl: 48h
                """);

        Map<String, String> options = ServerMain.withConfigFile(Map.of("--config", file.toString(), "--port", "0"));
        ServerConfig config = ServerMain.config(options, Map.of("PGUSER", "slipway"), home);

        assertThat(config.port()).as("the flag wins over the file").isZero();
        assertThat(config.clustersFile()).contains(etc.resolve("clusters.yaml"));
        assertThat(config.stateDir()).isEqualTo(home.resolve("var/slipway"));
        assertThat(config.store().jdbcUrl()).startsWith("jdbc:postgresql://db:5432/slipway");
        assertThat(config.defaultLabTtl()).hasHours(48);
    }

    @Test
    void theConfigFileListsTheRoutersWithTheirTokenFilesRelativeToIt() throws Exception {
        Path etc = Files.createDirectories(home.resolve("etc/slipway"));
        Path file = Files.writeString(etc.resolve("server.yaml"), """
                port: 7421
                routers:
                  - admin: http://10.0.0.5:9901
                    tokenFile: router-east.token
                  - admin: https://router-west.internal:9901
                """);

        ServerConfig config =
                ServerMain.config(ServerMain.withConfigFile(Map.of("--config", file.toString())), Map.of(), home);

        assertThat(config.port()).isEqualTo(7421);
        assertThat(config.routers())
                .containsExactly(
                        new ServerConfig.RouterAdmin(
                                java.net.URI.create("http://10.0.0.5:9901"),
                                java.util.Optional.of(etc.resolve("router-east.token"))),
                        new ServerConfig.RouterAdmin(
                                java.net.URI.create("https://router-west.internal:9901"), java.util.Optional.empty()));
    }

    @Test
    void theConfigFileNamesTheSentryDsnAndWebhookFilesWhichMustBeOwnerOnly() throws Exception {
        Path etc = Files.createDirectories(home.resolve("etc/slipway"));
        Path dsn = Files.writeString(etc.resolve("sentry.dsn"), "https://k3yk3y@o1.ingest.example.com/42\n");
        Path hook = Files.writeString(etc.resolve("events-hook.url"), "https://hooks.example.com/t0ken\n");
        Files.setPosixFilePermissions(dsn, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(hook, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path file = Files.writeString(
                etc.resolve("server.yaml"), "sentry-dsn-file: sentry.dsn\nevents-webhook-url-file: events-hook.url\n");

        ServerConfig config =
                ServerMain.config(ServerMain.withConfigFile(Map.of("--config", file.toString())), Map.of(), home);

        assertThat(config.events().sentryDsn()).contains("https://k3yk3y@o1.ingest.example.com/42");
        assertThat(config.events().webhook()).contains(java.net.URI.create("https://hooks.example.com/t0ken"));
        assertThat(config.events().toString()).doesNotContain("k3yk3y").doesNotContain("t0ken");

        Files.setPosixFilePermissions(dsn, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(run("--config", file.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("sentry.dsn")
                .contains("chmod 600")
                .doesNotContain("k3yk3y");
    }

    @Test
    void aChatChannelsIncomingWebhookComesFromAnOwnerOnlyFileHoldingAUrl() throws Exception {
        Path hook = Files.writeString(home.resolve("chat.url"), "https://hooks.slack.com/services/T0/B0/s3cret\n");
        Files.setPosixFilePermissions(hook, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        ServerConfig config = ServerMain.config(Map.of("--events-chat-webhook-file", hook.toString()), Map.of(), home);

        assertThat(config.events().chat())
                .contains(java.net.URI.create("https://hooks.slack.com/services/T0/B0/s3cret"));
        assertThat(config.events().toString()).contains("chat on").doesNotContain("s3cret");

        Files.writeString(hook, "#general\n");
        assertThat(run("--events-chat-webhook-file", hook.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--events-chat-webhook-file")
                .contains("does not hold an http(s) URL")
                .doesNotContain("#general");
    }

    @Test
    void aSentryDsnFileHoldingSomethingElseIsRefusedWithoutShowingIt() throws Exception {
        Path dsn = Files.writeString(home.resolve("sentry.dsn"), "not-a-dsn-s3cret\n");
        Files.setPosixFilePermissions(dsn, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        assertThat(run("--sentry-dsn-file", dsn.toString())).isEqualTo(1);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--sentry-dsn-file")
                .contains("does not hold a Sentry DSN")
                .doesNotContain("s3cret");
    }

    @Test
    void aRouterWithATokenInItsUrlOrAnUnknownKeyIsRefusedWithItsLine() throws Exception {
        Path file = Files.writeString(home.resolve("server.yaml"), """
                routers:
                  - admin: http://admin:s3cret@10.0.0.5:9901
                  - admin: http://10.0.0.6:9901
                    token: s3cret
                """);

        assertThat(run("--config", file.toString())).isEqualTo(1);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("server.yaml:2")
                .contains("never in the URL")
                .contains("server.yaml:4")
                .contains("tokenFile")
                .doesNotContain("s3cret");
    }

    @Test
    void aMistakeInTheConfigFileNamesItsLineAndWhatWasMeant() throws Exception {
        Path file = Files.writeString(home.resolve("server.yaml"), "port: 0\nreaper-intervall: 10s\nhost: [a, b]\n");

        assertThat(run("--config", file.toString())).isEqualTo(1);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("server.yaml:2")
                .contains("reaper-interval")
                .contains("server.yaml:3")
                .contains("expected a plain value");
    }

    @Test
    void withoutAStateDirTheStateFollowsHomeAndTheCacheHoldsExportedCommits() throws Exception {
        ServerConfig config = ServerMain.config(Map.of(), Map.of("HOME", home.toString()), Path.of("/nonexistent"));

        assertThat(config.stateDir()).isEqualTo(home.resolve(".local/state/slipway"));
        assertThat(config.cacheDir()).isEqualTo(home.resolve(".cache/slipway"));
        assertThat(config.store().h2FileBase()).contains(home.resolve(".local/state/slipway/store"));

        ServerConfig given = ServerMain.config(
                Map.of("--state-dir", home.resolve("srv").toString()), Map.of("HOME", home.toString()), null);
        assertThat(given.stateDir()).isEqualTo(home.resolve("srv"));
        assertThat(given.cacheDir()).as("--state-dir keeps everything together").isEqualTo(home.resolve("srv"));
    }

    @Test
    void aPasswordFileOtherUsersCanReadIsRefusedWithTheChmodToRun() throws Exception {
        Path password = Files.writeString(home.resolve("tls.password"), "pw\n");
        Files.setPosixFilePermissions(password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

        int code = run("--tls-keystore", home.resolve("k.p12").toString(), "--tls-password-file", password.toString());

        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(password.toString())
                .contains("run `chmod 600 " + password + "`");
    }

    @Test
    void theKubeconfigIsFoundAsKubectlFindsItUnderHomeFromTheEnvironment() throws Exception {
        Path kubeconfig = Files.createDirectories(home.resolve(".kube")).resolve("config");
        Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\n");
        Map<String, String> env = Map.of("HOME", home.toString());

        assertThat(ServerMain.kubeconfig(Map.of(), env, Path.of("/nonexistent")))
                .contains(kubeconfig);
        assertThat(ServerMain.kubeconfig(Map.of("--kubeconfig", "/etc/k"), env, null))
                .contains(Path.of("/etc/k"));
        assertThat(ServerMain.kubeconfig(Map.of(), Map.of("HOME", home.toString(), "KUBECONFIG", "/a:/b"), null))
                .as("$KUBECONFIG is left to the client, which merges a list as kubectl does")
                .isEmpty();
        assertThat(ServerMain.kubeconfig(
                        Map.of(), Map.of("HOME", home.resolve("elsewhere").toString()), null))
                .as("no file: the client's own discovery, e.g. a pod's service account")
                .isEmpty();
    }

    private int run(String... args) {
        return ServerMain.run(
                args,
                Map.of(),
                home,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
