package dev.slipway.server;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** Talks to a running server over real HTTP, as any client would. */
final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String baseUrl;
    private final String token;

    ApiClient(String baseUrl, String token) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), baseUrl, token);
    }

    ApiClient(HttpClient http, String baseUrl, String token) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.token = token;
    }

    ApiClient as(String otherToken) {
        return new ApiClient(http, baseUrl, otherToken);
    }

    /** A response: status, body parsed as JSON (null when empty), content type, headers. */
    record Reply(int status, JsonNode json, String body, String contentType, HttpHeaders headers) {
        Optional<String> header(String name) {
            return headers.firstValue(name);
        }
    }

    Reply get(String path) {
        return send(request(path).GET());
    }

    Reply post(String path, String body) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply delete(String path) {
        return send(request(path).DELETE());
    }

    /** {@code method} on {@code path} without a body. */
    Reply send(String method, String path) {
        return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    /** Waits until the deploy has ended (neither queued nor running) and returns its record. */
    JsonNode awaitDeploy(long id) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            last.set(get("/api/deploys/" + id).json());
            String state = last.get().get("state").asText();
            return !state.equals("queued") && !state.equals("running");
        });
        return last.get();
    }

    /** The audit log's entries for {@code action}, newest first. */
    List<JsonNode> audit(String action) {
        List<JsonNode> entries = new ArrayList<>();
        get("/api/audit?action=" + action).json().forEach(entries::add);
        return entries;
    }

    Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            String type = response.headers().firstValue("Content-Type").orElse("");
            JsonNode json = type.startsWith("application/") && type.contains("json") && !body.isBlank()
                    ? JSON.readTree(body)
                    : null;
            return new Reply(response.statusCode(), json, body, type, response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.header("X-Slipway-Source", "cli");
    }
}
