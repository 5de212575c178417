package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.slipway.core.InvalidInputException;
import dev.slipway.testkit.Promtool;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** TLS termination on the listener and TLS to backends, with real handshakes on 127.0.0.1. */
class TlsTest {
    @TempDir
    Path dir;

    private final TestCertificates ca = new TestCertificates("Slipway test CA");

    private static String tlsSection(TestCertificates.Issued... certs) {
        StringBuilder s = new StringBuilder("tls:\n  certificates:\n");
        for (TestCertificates.Issued c : certs) {
            s.append("    - {hosts: [")
                    .append(String.join(", ", hostsOf(c)))
                    .append("], chain: ")
                    .append(c.chain().getFileName())
                    .append(", key: ")
                    .append(c.keyFile().getFileName())
                    .append("}\n");
        }
        return s.toString();
    }

    private static List<String> hostsOf(TestCertificates.Issued c) {
        try {
            return c.certificate().getSubjectAlternativeNames().stream()
                    .map(n -> String.valueOf(n.get(1)))
                    .map(h -> h.startsWith("*") ? "'" + h + "'" : h)
                    .toList();
        } catch (java.security.cert.CertificateParsingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String config(String backendAddress, String tls) {
        return RouterFixture.header() + tls + """
                backends:
                  web: {clusters: [{name: east, endpoints: [%s]}]}
                routes:
                  - {name: web, backend: web}
                """.formatted(backendAddress);
    }

    /** A TLS connection to the router naming {@code sni} (null: none), handshake done. */
    private SSLSocket connect(Router router, String sni, String... protocols) {
        return handshake(plain(router.address()), sni, protocols);
    }

    private static Socket plain(InetSocketAddress address) {
        try {
            return new Socket(address.getAddress(), address.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SSLSocket handshake(Socket plain, String sni, String... protocols) {
        try {
            SSLSocket s = (SSLSocket)
                    ca.clientContext().getSocketFactory().createSocket(plain, "127.0.0.1", plain.getPort(), true);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            if (protocols.length > 0) {
                p.setProtocols(protocols);
            }
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            s.startHandshake();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BigInteger served(SSLSocket s) {
        try {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new IllegalStateException(e);
        }
    }

    private BigInteger servedTo(Router router, String sni) {
        try (SSLSocket s = connect(router, sni)) {
            return served(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double metric(Router router, String name, String labels) {
        String text = ((AdminOperations) router).scrape();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$")
                .matcher(text);
        while (m.find()) {
            if (labels.isEmpty() || m.group(1).contains(labels)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return Double.NaN;
    }

    /** Replaces {@code target} with {@code source}'s content by rename, as certificate tools do. */
    private static void replace(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void eachHostGetsItsCertificateByNameAndAClientNamingNoneGetsTheFirst() throws Exception {
        TestCertificates.Issued shop = ca.issue(dir, "shop", Duration.ofDays(30), "shop.example.com");
        TestCertificates.Issued api = ca.issue(dir, "api", Duration.ofDays(60), "*.api.example.com", "api.example.com");
        try (TestBackend backend = new TestBackend("web");
                RouterFixture fixture = new RouterFixture(dir, config(backend.address(), tlsSection(shop, api)))) {
            Router router = fixture.router;
            assertThat(servedTo(router, "shop.example.com"))
                    .isEqualTo(shop.certificate().getSerialNumber());
            assertThat(servedTo(router, "v2.api.example.com"))
                    .isEqualTo(api.certificate().getSerialNumber());
            assertThat(servedTo(router, "api.example.com"))
                    .isEqualTo(api.certificate().getSerialNumber());
            assertThat(servedTo(router, null)).isEqualTo(shop.certificate().getSerialNumber());
            assertThat(servedTo(router, "unknown.example.org"))
                    .isEqualTo(shop.certificate().getSerialNumber());

            try (SSLSocket s = connect(router, "shop.example.com")) {
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
                TestClient client = new TestClient(s, "shop.example.com");
                TestClient.Response r = client.get("/");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("web");
                assertThat(r.header("x-got-x-forwarded-proto")).isEqualTo("https");
            }
            // Seconds until each host's certificate expires.
            assertThat(metric(router, "slipway_router_tls_certificate_expiry_seconds", "host=\"shop.example.com\""))
                    .isBetween(29 * 86400.0, 30 * 86400.0);
            assertThat(metric(router, "slipway_router_tls_certificate_expiry_seconds", "host=\"*.api.example.com\""))
                    .isBetween(59 * 86400.0, 60 * 86400.0);
            String scrape = ((AdminOperations) router).scrape();
            assertThat(scrape).contains("# TYPE slipway_router_tls_reloads_total counter");
            Promtool.Result lint = Promtool.checkMetrics(scrape);
            assertThat(lint.output()).as("promtool check metrics").isEmpty();
            assertThat(lint.ok()).isTrue();
        }
    }

    @Test
    void onlyTls12AndTls13AreSpokenWithAeadCiphers() throws Exception {
        TestCertificates.Issued shop = ca.issue(dir, "shop", Duration.ofDays(30), "shop.example.com");
        try (TestBackend backend = new TestBackend("web");
                RouterFixture fixture = new RouterFixture(dir, config(backend.address(), tlsSection(shop)))) {
            try (SSLSocket s = connect(fixture.router, "shop.example.com", "TLSv1.2")) {
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
                assertThat(s.getSession().getCipherSuite()).matches("TLS_ECDHE_ECDSA_WITH_(AES_.*_GCM|CHACHA20).*");
            }
            // A TLS 1.1 ClientHello written by hand (this JDK's client refuses to send one): answered with an
            // alert, never a ServerHello.
            try (Socket raw = plain(fixture.router.address())) {
                raw.setSoTimeout(10_000);
                OutputStream out = raw.getOutputStream();
                out.write(tls11ClientHello());
                out.flush();
                InputStream in = raw.getInputStream();
                int contentType = in.read();
                assertThat(contentType)
                        .as("TLS record type (21 alert, 22 handshake), -1 closed")
                        .isIn(21, -1);
                if (contentType == 21) {
                    byte[] rest = in.readNBytes(6);
                    // fatal protocol_version (70) or handshake_failure (40)
                    assertThat(rest[5]).isIn((byte) 70, (byte) 40);
                }
            }
        }
    }

    private static byte[] tls11ClientHello() {
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(3);
        body.write(2); // TLS 1.1
        body.writeBytes(random);
        body.write(0); // no session id
        body.writeBytes(new byte[] {0, 4, (byte) 0xc0, 0x13, 0x00, 0x2f}); // ECDHE-RSA-AES128-SHA, AES128-SHA
        body.writeBytes(new byte[] {1, 0}); // no compression
        byte[] b = body.toByteArray();
        java.io.ByteArrayOutputStream record = new java.io.ByteArrayOutputStream();
        record.writeBytes(new byte[] {22, 3, 2});
        int handshakeLength = b.length + 4;
        record.write(handshakeLength >> 8);
        record.write(handshakeLength & 0xff);
        record.write(1); // ClientHello
        record.write(0);
        record.write(b.length >> 8);
        record.write(b.length & 0xff);
        record.writeBytes(b);
        return record.toByteArray();
    }

    @Test
    void aRenewedCertificateIsServedToNewConnectionsWhileAnOpenOneKeepsWorking() throws Exception {
        TestCertificates.Issued first = ca.issue(dir, "shop", Duration.ofDays(30), "shop.example.com");
        try (TestBackend backend = new TestBackend("web");
                RouterFixture fixture = new RouterFixture(dir, config(backend.address(), tlsSection(first)))) {
            Router router = fixture.router;
            try (SSLSocket open = connect(router, "shop.example.com")) {
                TestClient client = new TestClient(open, "shop.example.com");
                assertThat(client.get("/").status()).isEqualTo(200);

                Path staging = Files.createDirectory(dir.resolve("staging"));
                TestCertificates.Issued renewed = ca.issue(staging, "shop", Duration.ofDays(90), "shop.example.com");
                // The key first, then the chain: the router refuses the mismatched pair in between.
                replace(renewed.keyFile(), first.keyFile());
                replace(renewed.chain(), first.chain());

                await().atMost(Duration.ofSeconds(20))
                        .until(() -> servedTo(router, "shop.example.com")
                                .equals(renewed.certificate().getSerialNumber()));
                // The connection opened before the renewal still has its session and keeps being served.
                assertThat(served(open)).isEqualTo(first.certificate().getSerialNumber());
                assertThat(client.get("/again").status()).isEqualTo(200);
                await().untilAsserted(() -> assertThat(metric(
                                router, "slipway_router_tls_certificate_expiry_seconds", "host=\"shop.example.com\""))
                        .isGreaterThan(89 * 86400.0));
                assertThat(metric(router, "slipway_router_tls_reloads_total", "result=\"applied\""))
                        .isGreaterThanOrEqualTo(1.0);
            }
        }
    }

    @Test
    void anExpiredOrBrokenCertificateOnReloadKeepsTheLastGoodOneAndSaysWhy() throws Exception {
        TestCertificates.Issued good = ca.issue(dir, "shop", Duration.ofDays(30), "shop.example.com");
        Logger logger = (Logger) LoggerFactory.getLogger(NettyRouter.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (TestBackend backend = new TestBackend("web");
                RouterFixture fixture = new RouterFixture(dir, config(backend.address(), tlsSection(good)))) {
            Router router = fixture.router;
            Path staging = Files.createDirectory(dir.resolve("staging"));
            TestCertificates.Issued expired = ca.expired(staging, "shop", "shop.example.com");
            replace(expired.keyFile(), good.keyFile());
            replace(expired.chain(), good.chain());

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> metric(router, "slipway_router_tls_reloads_total", "reason=\"expired\"") >= 1.0);
            assertThat(servedTo(router, "shop.example.com"))
                    .isEqualTo(good.certificate().getSerialNumber());
            assertThat(logged.list)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.contains("certificates not reloaded, the last good ones keep serving")
                            && m.contains(good.chain().toString())
                            && m.contains("expired at"));

            Files.writeString(staging.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
            replace(staging.resolve("broken.pem"), good.chain());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> metric(router, "slipway_router_tls_reloads_total", "reason=\"unreadable\"") >= 1.0);
            assertThat(servedTo(router, "shop.example.com"))
                    .isEqualTo(good.certificate().getSerialNumber());
            // The gauge still describes the certificate that serves.
            assertThat(metric(router, "slipway_router_tls_certificate_expiry_seconds", "host=\"shop.example.com\""))
                    .isBetween(29 * 86400.0, 30 * 86400.0);
        } finally {
            logger.detachAppender(logged);
        }
    }

    @Test
    void aKeyOthersCanReadIsRefusedWithTheChmodToRun() throws Exception {
        TestCertificates.Issued shop = ca.issue(dir, "shop", Duration.ofDays(30), "shop.example.com");
        Files.setPosixFilePermissions(shop.keyFile(), PosixFilePermissions.fromString("rw-r-----"));
        try (TestBackend backend = new TestBackend("web")) {
            assertThatThrownBy(() -> new RouterFixture(dir, config(backend.address(), tlsSection(shop))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining(shop.keyFile().toString())
                    .hasMessageContaining("other users")
                    .hasMessageContaining("chmod 600 " + shop.keyFile());
        }
    }

    @Test
    void anExpiredCertificateOrAKeyOfAnotherCertificateStopsTheStart() throws Exception {
        TestCertificates.Issued expired = ca.expired(dir, "old", "shop.example.com");
        TestCertificates.Issued other = ca.issue(dir, "other", Duration.ofDays(30), "api.example.com");
        TestCertificates.Issued api = ca.issue(dir, "api", Duration.ofDays(30), "api.example.com");
        replace(other.keyFile(), api.keyFile());
        try (TestBackend backend = new TestBackend("web")) {
            assertThatThrownBy(() -> new RouterFixture(dir, config(backend.address(), tlsSection(expired, api))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining(expired.chain() + ": the certificate for shop.example.com expired at")
                    .hasMessageContaining(api.keyFile() + ": this private key does not belong to the certificate");
        }
    }

    @Test
    void theProxyProtocolHeaderComesInTheClearBeforeTheHandshake() throws Exception {
        TestCertificates.Issued shop = ca.issue(dir, "shop", Duration.ofDays(30), "shop.example.com");
        try (TestBackend backend = new TestBackend("web");
                RouterFixture fixture =
                        new RouterFixture(dir, config(backend.address(), "proxyProtocol: true\n" + tlsSection(shop)))) {
            Socket raw = plain(fixture.router.address());
            raw.getOutputStream()
                    .write("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n".getBytes(StandardCharsets.US_ASCII));
            try (SSLSocket s = handshake(raw, "shop.example.com")) {
                TestClient.Response r = new TestClient(s, "shop.example.com").get("/");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("x-got-x-forwarded-for")).isEqualTo("203.0.113.7");
                assertThat(r.header("x-got-x-forwarded-proto")).isEqualTo("https");
            }
        }
    }

    @Test
    void aBackendWithTlsIsVerifiedWithItsCaAndAWrongCaIsA502() throws Exception {
        TestCertificates backendCa = new TestCertificates("Backend CA");
        TestCertificates.Issued internal =
                backendCa.issue(dir, "internal", Duration.ofDays(30), "web.internal", "127.0.0.1");
        Path caFile = backendCa.writeCa(dir.resolve("backend-ca.pem"));
        Path wrongCa = new TestCertificates("Someone else").writeCa(dir.resolve("wrong-ca.pem"));
        Logger logger = (Logger) LoggerFactory.getLogger(UpstreamPool.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (TestBackend backend = new TestBackend(
                        "web",
                        SslContextBuilder.forServer(internal.key(), internal.certificate())
                                .build());
                RouterFixture fixture =
                        new RouterFixture(dir, RouterFixture.header() + """
                        backends:
                          named:
                            clusters: [{name: east, endpoints: [%1$s]}]
                            tls: {ca: backend-ca.pem, serverName: web.internal}
                            healthCheck: {path: /healthz, interval: 100ms, timeout: 2s, fall: 1, rise: 1}
                          checked:
                            clusters: [{name: east, endpoints: [%1$s]}]
                            tls: {ca: wrong-ca.pem}
                            healthCheck: {path: /healthz, interval: 100ms, timeout: 2s, fall: 1, rise: 1}
                          byip: {clusters: [{name: east, endpoints: [%1$s]}], tls: {ca: backend-ca.pem}}
                          wrongname: {clusters: [{name: east, endpoints: [%1$s]}], tls: {ca: backend-ca.pem, serverName: db.internal}}
                          wrongca: {clusters: [{name: east, endpoints: [%1$s]}], tls: {ca: wrong-ca.pem}}
                        routes:
                          - {name: named, pathPrefix: /named, backend: named}
                          - {name: byip, pathPrefix: /byip, backend: byip}
                          - {name: wrongname, pathPrefix: /wrongname, backend: wrongname}
                          - {name: wrongca, pathPrefix: /wrongca, backend: wrongca}
                          - {name: checked, pathPrefix: /checked, backend: checked}
                        """.formatted(backend.address()))) {
            TestClient client = fixture.client();
            TestClient.Response named = client.get("/named");
            assertThat(named.status()).isEqualTo(200);
            assertThat(named.body()).isEqualTo("web");
            assertThat(client.get("/named/again").status()).isEqualTo(200);
            assertThat(client.get("/byip").status()).isEqualTo(200);

            assertThat(fixture.client().get("/wrongca").status()).isEqualTo(502);
            assertThat(fixture.client().get("/wrongname").status()).isEqualTo(502);
            // Health checks go over TLS too: the endpoint checked with the wrong CA is taken out, the other not.
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            metric(fixture.router, "slipway_router_endpoint_available", "backend=\"checked\"") == 0.0);
            assertThat(metric(fixture.router, "slipway_router_endpoint_available", "backend=\"named\""))
                    .isEqualTo(1.0);
            assertThat(logged.list)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.startsWith("TLS handshake with backend wrongca endpoint")
                            && m.contains("certification path")
                            && m.contains("check backends.wrongca.tls"))
                    .anyMatch(m ->
                            m.startsWith("TLS handshake with backend wrongname endpoint") && m.contains("db.internal"));
        } finally {
            logger.detachAppender(logged);
        }
        assertThat(wrongCa).exists();
        assertThat(caFile).exists();
    }
}
