package dev.slipway.router;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A small blocking HTTP/1.1 client over one keep-alive socket, so tests control every byte sent. */
final class TestClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String host;

    /** One response as the client saw it. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    TestClient(InetSocketAddress address) {
        this(address, "app.test");
    }

    /** A client whose requests carry {@code Host: host}. */
    TestClient(InetSocketAddress address, String host) {
        this(connect(address), host);
    }

    /** A client over {@code socket} (a TLS one, say), whose requests carry {@code Host: host}. */
    TestClient(Socket socket, String host) {
        this.host = host;
        this.socket = socket;
        try {
            socket.setSoTimeout(15_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Response get(String path, String... headerLines) {
        send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + String.join("", lines(headerLines)) + "\r\n");
        return read();
    }

    /** A POST with {@code body} and any extra header lines. */
    Response post(String path, String body, String... headerLines) {
        send("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n" + String.join("", lines(headerLines))
                + "\r\n" + body);
        return read();
    }

    private static Socket connect(InetSocketAddress address) {
        try {
            return new Socket(address.getAddress(), address.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String[] lines(String... headerLines) {
        String[] l = new String[headerLines.length];
        for (int i = 0; i < headerLines.length; i++) {
            l[i] = headerLines[i] + "\r\n";
        }
        return l;
    }

    void send(String raw) {
        try {
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Response read() {
        try {
            String statusLine = line();
            if (statusLine == null) {
                throw new IOException("connection closed before a response");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            String l;
            while (!(l = line()).isEmpty()) {
                int colon = l.indexOf(':');
                headers.merge(
                        l.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        l.substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                int size;
                while ((size = Integer.parseInt(line().trim(), 16)) > 0) {
                    body.write(in.readNBytes(size));
                    line();
                }
                line();
            } else if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else {
                body.write(in.readAllBytes());
            }
            return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the server closed the connection (reads end of stream). */
    boolean closedByServer() {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
