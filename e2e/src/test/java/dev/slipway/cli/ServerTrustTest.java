package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * --server over https to a server whose certificate the CLI was not told to trust: the error says the certificate
 * is not trusted and how to pass the CA, instead of the JDK's "PKIX path building failed". The server serves TLS on
 * 127.0.0.1 with a keystore made by the JDK's keytool, as an operator would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerTrustTest {
    private static final String PASSWORD = "test-keystore-password";

    private Path tmp;
    private Path serverCert;
    private Path otherCert;
    private RunningServer fixture;

    @BeforeAll
    void startTlsServer(@TempDir Path dir) throws Exception {
        tmp = dir;
        Path keystore = selfSigned("server", "ip:127.0.0.1");
        serverCert = exported("server");
        selfSigned("other", "ip:127.0.0.1");
        otherCert = exported("other");
        Path passwordFile = tmp.resolve("keystore.password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        fixture = RunningServer.startTls(
                Files.createDirectories(tmp.resolve("server")),
                new ServerConfig.TlsKeystore(keystore, passwordFile),
                trusting(serverCert));
        assertThat(fixture.url()).startsWith("https://127.0.0.1:");
    }

    @AfterAll
    void stopServer() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void aCertificateThatIsNotTrustedIsNamedSoWithHowToPassTheCa() {
        var result = cli().run(
                        "history",
                        "shop",
                        "--env",
                        "production",
                        "--server",
                        fixture.url(),
                        "--token-file",
                        fixture.adminToken.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err())
                .startsWith("error: " + fixture.url() + ": the server's TLS certificate is not trusted")
                .contains("--ca FILE")
                .contains("ca: in ~/.config/slipway/config.yaml")
                .contains("STATE_DIR/tls/ca.pem")
                .doesNotContain("PKIX", "cannot reach", "\tat ");
    }

    @Test
    void theWrongCaIsNamed() {
        var result = cli().run(
                        "history",
                        "shop",
                        "--env",
                        "production",
                        "--server",
                        fixture.url(),
                        "--token-file",
                        fixture.adminToken.toString(),
                        "--ca",
                        otherCert.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err())
                .contains("the server's TLS certificate is not trusted: it is not signed by the CA certificate "
                        + otherCert)
                .doesNotContain("PKIX");
    }

    @Test
    void theServersCaGivenByFlagOrConfigKeyIsTrusted() throws IOException {
        var byFlag = cli().run(
                        "history",
                        "shop",
                        "--env",
                        "production",
                        "--server",
                        fixture.url(),
                        "--token-file",
                        fixture.adminToken.toString(),
                        "--ca",
                        serverCert.toString());
        assertThat(byFlag.exitCode()).as(byFlag.toString()).isZero();
        assertThat(byFlag.out()).contains("east-1");

        Path home = tmp.resolve("config-home");
        Files.createDirectories(home.resolve(".config/slipway"));
        Files.writeString(
                home.resolve(".config/slipway/config.yaml"),
                "server: " + fixture.url() + "\nca: " + serverCert + "\ntoken-file: " + fixture.adminToken + "\n");
        var byConfig = new CliRun(home, tmp).run("history", "shop", "--env", "production");
        assertThat(byConfig.exitCode()).as(byConfig.toString()).isZero();
    }

    @Test
    void aCertificateForAnotherHostIsNamedSo() {
        String byName = fixture.url().replace("127.0.0.1", "localhost");

        var result = cli().run(
                        "history",
                        "shop",
                        "--env",
                        "production",
                        "--server",
                        byName,
                        "--token-file",
                        fixture.adminToken.toString(),
                        "--ca",
                        serverCert.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err())
                .contains("the server's TLS certificate is not issued for this host")
                .contains("localhost");
    }

    private CliRun cli() {
        return new CliRun(tmp.resolve("home"), tmp);
    }

    /** A self-signed key pair for {@code san} in {@code TMP/alias.p12}, made with keytool. */
    private Path selfSigned(String alias, String san) throws Exception {
        Path keystore = tmp.resolve(alias + ".p12");
        keytool(
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=slipway " + alias,
                "-ext",
                "san=" + san,
                "-validity",
                "2",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD);
        return keystore;
    }

    /** The certificate of {@code alias} as PEM in {@code TMP/alias.pem}. */
    private Path exported(String alias) throws Exception {
        Path pem = tmp.resolve(alias + ".pem");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                alias,
                "-keystore",
                tmp.resolve(alias + ".p12").toString(),
                "-storepass",
                PASSWORD,
                "-file",
                pem.toString());
        return pem;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            trust.setCertificateEntry(
                    "server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
