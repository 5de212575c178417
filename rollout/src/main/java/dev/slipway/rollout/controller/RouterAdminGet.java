package dev.slipway.rollout.controller;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** One GET of a router's admin API, with its admin token when it has one; what every reader of routers shares. */
final class RouterAdminGet {
    private RouterAdminGet() {}

    /**
     * The body of {@code GET path} on the router's admin API at {@code admin}, waiting at most {@code timeout}.
     *
     * @throws IllegalStateException when the router cannot be reached or does not answer 200 (saying so)
     */
    static String body(HttpClient client, URI admin, String path, Optional<String> token, Duration timeout) {
        URI uri = admin.resolve(path);
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(timeout).GET();
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading " + uri, e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(uri + " answered " + response.statusCode()
                    + (response.statusCode() == 401 ? " (the admin token is missing or wrong)" : ""));
        }
        return response.body();
    }
}
