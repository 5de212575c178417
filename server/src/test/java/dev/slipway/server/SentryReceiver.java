package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in error tracker on 127.0.0.1 that speaks the Sentry ingestion protocol: it takes the envelopes the SDK
 * POSTs to {@code /api/PROJECT/envelope/} (gzip or not), parses them (a header line, then per item a header line
 * and a payload of the header's {@code length}, or up to the next newline), and keeps each {@code event} item's
 * payload. It can be made to answer 503, as a tracker that is down.
 */
final class SentryReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile int status = 200;

    SentryReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/", this::handle);
        server.start();
    }

    /** The DSN that points the SDK here (project 1, public key {@code public}). */
    String dsn() {
        return "http://public@127.0.0.1:" + server.getAddress().getPort() + "/1";
    }

    /** Answers {@code code} from now on (503: down; 200: up again). */
    void answer(int code) {
        status = code;
    }

    /** The events taken (only those answered 200). */
    List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** Requests received, whatever was answered. */
    int attempts() {
        return attempts.get();
    }

    /** What was wrong with the requests received (none expected). */
    List<String> problems() {
        return List.copyOf(problems);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            attempts.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestMethod().equals("POST") || !path.equals("/api/1/envelope/")) {
                problems.add("unexpected " + exchange.getRequestMethod() + " " + path);
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String auth = String.valueOf(exchange.getRequestHeaders().getFirst("X-Sentry-Auth"));
            if (!auth.contains("sentry_key=public")) {
                problems.add("no sentry_key in X-Sentry-Auth: " + auth);
            }
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                    body = in.readAllBytes();
                }
            }
            int code = status;
            if (code == 200) {
                try {
                    events.addAll(parse(body));
                } catch (RuntimeException | IOException e) {
                    problems.add("unparseable envelope: " + e);
                    code = 400;
                }
            }
            byte[] answer = code == 200 ? "{}".getBytes(StandardCharsets.UTF_8) : new byte[0];
            exchange.sendResponseHeaders(code, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                exchange.getResponseBody().write(answer);
            }
        }
    }

    /** The payloads of an envelope's {@code event} items. */
    static List<JsonNode> parse(byte[] envelope) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        int at = lineEnd(envelope, 0);
        JsonNode header = JSON.readTree(new String(envelope, 0, at, StandardCharsets.UTF_8));
        if (!header.has("event_id") && !header.has("sent_at")) {
            throw new IOException("the envelope header has neither event_id nor sent_at: " + header);
        }
        int pos = at + 1;
        while (pos < envelope.length) {
            int end = lineEnd(envelope, pos);
            if (end == pos) {
                pos++;
                continue;
            }
            JsonNode item = JSON.readTree(new String(envelope, pos, end - pos, StandardCharsets.UTF_8));
            pos = end + 1;
            int length = item.has("length") ? item.get("length").asInt() : lineEnd(envelope, pos) - pos;
            String payload = new String(envelope, pos, length, StandardCharsets.UTF_8);
            pos += length + 1;
            if ("event".equals(item.path("type").asText())) {
                found.add(JSON.readTree(payload));
            }
        }
        return found;
    }

    private static int lineEnd(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return bytes.length;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
