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

class UnframedBackendTest {
    @TempDir
    Path dir;

    /** An HTTP/1.0 server that ends every body by closing the connection, as old servers do. */
    static final class Http10Backend implements AutoCloseable {
        final ServerSocket server;
        final Thread thread;

        Http10Backend() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "http10-backend");
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    int matched = 0;
                    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                    int c;
                    while (matched < end.length && (c = in.read()) != -1) {
                        matched = c == end[matched] ? matched + 1 : (c == end[0] ? 1 : 0);
                    }
                    s.getOutputStream()
                            .write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello from 1.0"
                                    .getBytes(StandardCharsets.US_ASCII));
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

    @Test
    void aBodyEndedByCloseIsReframedSoTheClientKeepsItsConnection() throws Exception {
        try (Http10Backend backend = new Http10Backend();
                RouterFixture fixture =
                        new RouterFixture(dir, RouterFixture.header() + """
                        backends:
                          old: {clusters: [{name: a, endpoints: [127.0.0.1:%d]}]}
                        routes:
                          - {name: old, backend: old}
                        """.formatted(backend.server.getLocalPort()))) {
            TestClient client = fixture.client();
            for (int i = 0; i < 3; i++) {
                TestClient.Response r = client.get("/");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello from 1.0");
                assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
                assertThat(r.header("connection")).isNull();
            }
        }
    }
}
