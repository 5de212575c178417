package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed HTTP over real loopback sockets, as a user of the router would meet it. */
class MalformedUpstreamEndToEndTest {
    @TempDir
    Path dir;

    /** A backend that answers every request head with the same raw bytes and then waits for the close. */
    static final class RawBackend implements AutoCloseable {
        final ServerSocket server;

        RawBackend(String answer) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> serve(answer.getBytes(StandardCharsets.ISO_8859_1)), "raw-backend");
            t.setDaemon(true);
            t.start();
        }

        private void serve(byte[] answer) {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                    int matched = 0;
                    int c;
                    while (matched < end.length && (c = in.read()) != -1) {
                        matched = c == end[matched] ? matched + 1 : (c == end[0] ? 1 : 0);
                    }
                    s.getOutputStream().write(answer);
                    s.getOutputStream().flush();
                    // Hold the connection until the router drops it, as a confused server would.
                    while (in.read() != -1) {
                        // discard
                    }
                } catch (IOException e) {
                    if (!server.isClosed()) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    RouterFixture router(RawBackend backend) {
        return new RouterFixture(dir, RouterFixture.header() + """
                retries: {maxRetries: 0}
                backends:
                  web: {clusters: [{name: a, endpoints: [127.0.0.1:%d]}]}
                routes:
                  - {name: web, backend: web, timeout: 5s}
                """.formatted(backend.server.getLocalPort()));
    }

    @Test
    void anUpstreamHeadOf80KibReachesTheClientAs502() throws Exception {
        try (RawBackend backend = new RawBackend(
                        "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(80 * 1024) + "\r\nContent-Length: 0\r\n\r\n");
                RouterFixture fixture = router(backend)) {
            TestClient.Response r = fixture.client().get("/");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).contains("route 'web'").contains("invalid HTTP response");
            assertThat(fixture.admin().get("/metrics").body())
                    .contains("slipway_router_upstream_protocol_errors_total{backend=\"web\",cluster=\"a\","
                            + "reason=\"header_too_large\"} 1.0");
        }
    }

    @Test
    void twoDifferentUpstreamContentLengthsReachTheClientAs502InsteadOfAHang() throws Exception {
        try (RawBackend backend =
                        new RawBackend("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello!!");
                RouterFixture fixture = router(backend)) {
            TestClient client = fixture.client();
            TestClient.Response r = client.get("/");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("content-length")).doesNotContain(",");
            // The client's connection is intact: the next request is answered on it.
            assertThat(client.get("/").status()).isEqualTo(502);
        }
    }

    @Test
    void aRequestChunkSizeOfZzIs400AndTheConnectionClosed() throws Exception {
        try (RawBackend backend = new RawBackend("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                RouterFixture fixture = router(backend)) {
            TestClient client = fixture.client();
            client.send("POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
            TestClient.Response r = client.read();
            // The backend answers 200 to any head; the router must refuse the body it could not read instead
            // of ending it as an empty one and passing that 200 on.
            assertThat(r.status()).isEqualTo(400);
            assertThat(client.closedByServer()).isTrue();
        }
    }
}
