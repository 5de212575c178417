package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.testkit.TestClusters;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Collections;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Off loopback the server only speaks TLS, with a CA it generates once and keeps. */
class TlsTest {

    @TempDir
    Path root;

    @Test
    void aServerOnANonLoopbackAddressServesOnlyTlsSignedByItsKeptCa() throws Exception {
        Optional<String> address = nonLoopbackAddress();
        assumeTrue(address.isPresent(), "this machine has no non-loopback IPv4 address");
        try (TestClusters clusters = TestClusters.start("east-1")) {
            ServerFixture fixture = new ServerFixture(root, clusters);
            ServerConfig config = fixture.config("tls").withBind(address.get(), 0);
            byte[] firstCa;
            try (SlipwayServer server = fixture.start(config)) {
                assertThat(server.url()).startsWith("https://" + address.get() + ":");
                Path ca = server.generatedCaCertificate().orElseThrow();
                firstCa = Files.readAllBytes(ca);
                HttpClient trusting =
                        HttpClient.newBuilder().sslContext(trusting(ca)).build();
                HttpResponse<String> health = trusting.send(
                        HttpRequest.newBuilder(URI.create(server.url() + "/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);

                String plain = server.url().replace("https://", "http://");
                HttpResponse<String> overHttp = sendOrNull(HttpClient.newHttpClient(), plain + "/health");
                assertThat(overHttp == null || overHttp.statusCode() >= 400)
                        .as("plain HTTP is not served")
                        .isTrue();
                assertThatThrownBy(() -> HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(URI.create(server.url() + "/health"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString()))
                        .as("an unknown CA is not trusted")
                        .isInstanceOf(IOException.class);
            }
            try (SlipwayServer restarted = fixture.start(config)) {
                assertThat(Files.readAllBytes(restarted.generatedCaCertificate().orElseThrow()))
                        .isEqualTo(firstCa);
            }
        }
    }

    private static HttpResponse<String> sendOrNull(HttpClient client, String url) throws InterruptedException {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException refused) {
            return null;
        }
    }

    private static SSLContext trusting(Path caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry(
                    "slipway-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static Optional<String> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    return Optional.of(address.getHostAddress());
                }
            }
        }
        return Optional.empty();
    }
}
