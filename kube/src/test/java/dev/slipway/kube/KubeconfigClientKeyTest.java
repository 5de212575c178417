package dev.slipway.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kubeconfigs whose client key is EC (SEC1), RSA in PKCS#1 or either in PKCS#8, as kubeadm, kind, k3s and cloud
 * providers write them: the CLI's jar carries no BouncyCastle, so each is tried in a JVM without it against a real
 * TLS server on loopback that demands the client certificate; a key the client cannot read is a cluster failure,
 * not a stack trace. Keys and certificates come from the openssl command.
 */
class KubeconfigClientKeyTest {

    @TempDir
    Path dir;

    private HttpsServer server;
    private final List<String> clientsSeen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServerAskingForClientCertificates() throws Exception {
        assumeTrue(openssl("version").startsWith("OpenSSL 3"), "needs openssl 3 (Debian: apt-get install openssl)");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.crt",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-days",
                "1");
        openssl(
                "pkcs12",
                "-export",
                "-in",
                "server.crt",
                "-inkey",
                "server.key",
                "-out",
                "server.p12",
                "-passout",
                "pass:test");
        // The client certificates, each self-signed, trusted by the server one by one.
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec-sec1.key");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "ec-sec1.key", "-out", "ec-pkcs8.key");
        openssl("genrsa", "-traditional", "-out", "rsa-pkcs1.key", "2048");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "rsa-pkcs1.key", "-out", "rsa-pkcs8.key");
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        openssl("genpkey", "-algorithm", "ed25519", "-out", "ed25519.key");
        for (String key : List.of("ec-sec1", "ec-pkcs8", "rsa-pkcs1", "rsa-pkcs8", "ed25519")) {
            openssl(
                    "req",
                    "-x509",
                    "-new",
                    "-key",
                    key + ".key",
                    "-out",
                    key + ".crt",
                    "-subj",
                    "/CN=" + key,
                    "-days",
                    "1");
            try (InputStream in = Files.newInputStream(dir.resolve(key + ".crt"))) {
                trusted.setCertificateEntry(
                        key, CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
        }

        KeyStore identity = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
            identity.load(in, "test".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(identity, "test".toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), trust.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = tls.getDefaultSSLParameters();
                parameters.setNeedClientAuth(true);
                params.setSSLParameters(parameters);
            }
        });
        server.createContext("/", exchange -> {
            clientsSeen.add(((HttpsExchange) exchange)
                    .getSSLSession()
                    .getPeerPrincipal()
                    .getName());
            byte[] body = "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"shop\"}}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ec-sec1", "ec-pkcs8", "rsa-pkcs1", "rsa-pkcs8"})
    void aClientKeyInEachCommonFormatReachesTheClusterWithoutBouncyCastle(String key) throws Exception {
        Path kubeconfig = kubeconfig(key);

        String outcome = probeWithoutBouncyCastle(kubeconfig);

        assertThat(outcome).as("the probe's output").isEqualTo("ok");
        assertThat(clientsSeen)
                .as("the client certificate the server was shown")
                .containsOnly("CN=" + key);
    }

    @Test
    void aKeyTheClientCannotReadIsAClusterFailureNamingTheContext() throws Exception {
        Path kubeconfig = kubeconfig("ed25519");

        String outcome = probeWithoutBouncyCastle(kubeconfig);

        assertThat(outcome)
                .startsWith(
                        "failure: cluster east-1: cannot use the client certificate or key of kubeconfig context 'east-1'")
                .contains("hint: check client-certificate(-data) and client-key(-data)");
        assertThat(outcome).as("no stack trace").doesNotContain("\tat ");
        assertThat(clientsSeen).as("nothing was sent").isEmpty();
    }

    private Path kubeconfig(String key) throws IOException {
        Path file = dir.resolve(key + ".kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: test
                    cluster:
                      server: https://127.0.0.1:%d
                      certificate-authority-data: %s
                users:
                  - name: test
                    user:
                      client-certificate-data: %s
                      client-key-data: %s
                contexts:
                  - name: east-1
                    context: {cluster: test, user: test}
                current-context: east-1
                """.formatted(
                server.getAddress().getPort(), base64("server.crt"), base64(key + ".crt"), base64(key + ".key")));
        return file;
    }

    private String base64(String file) throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve(file)));
    }

    /** Runs {@link ClientKeyProbe} in a JVM with this test's class path minus every BouncyCastle jar. */
    private String probeWithoutBouncyCastle(Path kubeconfig) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> !entry.contains("bouncycastle"))
                .toList();
        assertThat(entries).as("the test class path").anyMatch(e -> e.contains("kubernetes-client"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                String.join(File.pathSeparator, entries),
                ClientKeyProbe.class.getName(),
                kubeconfig.toString()));
        Process probe = new ProcessBuilder(command)
                .redirectError(dir.resolve("probe.err").toFile())
                .start();
        String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(probe.exitValue())
                .as(Files.readString(dir.resolve("probe.err")))
                .isZero();
        return out;
    }

    private String openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException notInstalled) {
            return "openssl is not installed: " + notInstalled.getMessage();
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue())
                .as("openssl " + String.join(" ", args) + ": " + out)
                .isZero();
        return out.lines().collect(Collectors.joining("\n"));
    }
}
