package dev.slipway.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.store.ForwardedEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** POSTs each event as one JSON object (docs/events.md) to a URL; any 2xx answer is delivery. */
final class WebhookEventSink implements EventSink {
    static final String NAME = "webhook";

    private final URI url;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    WebhookEventSink(URI url) {
        this.url = url;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void send(ForwardedEvent event, String eventsUrl) throws IOException {
        ObjectNode body = EventViews.json(event);
        body.put("events", eventsUrl);
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("User-Agent", "slipway-server")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        HttpResponse<Void> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while posting to the events webhook", e);
        }
        if (response.statusCode() / 100 != 2) {
            // The URL is not said: it may carry a token.
            throw new IOException("the events webhook answered " + response.statusCode());
        }
    }
}
