package dev.slipway.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.store.ForwardedEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BiFunction;

/**
 * POSTs each event as one JSON object to a URL; any 2xx answer is delivery. Two shapes: the event itself
 * (docs/events.md) for a generic webhook, and a chat message ({@code {"text": ...}}, Slack's incoming-webhook format,
 * which Mattermost and Rocket.Chat take too) that posts it into a channel.
 */
final class WebhookEventSink implements EventSink {
    static final String NAME = "webhook";
    static final String CHAT = "chat";

    private final String name;
    private final URI url;
    private final BiFunction<ForwardedEvent, String, ObjectNode> body;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private WebhookEventSink(String name, URI url, BiFunction<ForwardedEvent, String, ObjectNode> body) {
        this.name = name;
        this.url = url;
        this.body = body;
    }

    /** The event as JSON, with a link to the environment's events. */
    static WebhookEventSink json(URI url) {
        return new WebhookEventSink(NAME, url, (event, eventsUrl) -> {
            ObjectNode json = EventViews.json(event);
            json.put("events", eventsUrl);
            return json;
        });
    }

    /** The event as one chat message through an incoming webhook. */
    static WebhookEventSink chat(URI incomingWebhook) {
        return new WebhookEventSink(CHAT, incomingWebhook, (event, eventsUrl) -> {
            ObjectNode message = Views.JSON.createObjectNode();
            message.put("text", chatText(event, eventsUrl));
            return message;
        });
    }

    /**
     * {@code :warning: BackOff of Pod web-1 in shop/production on east-1 (x5): Back-off restarting... — revision
     * 7, ref v2, deployed by alice. <URL|events>}, in Slack's mrkdwn with its three characters escaped.
     */
    static String chatText(ForwardedEvent e, String eventsUrl) {
        StringBuilder text = new StringBuilder(":warning: *")
                .append(escape(e.reason()))
                .append("* of ")
                .append(escape(e.objectKind() + " " + e.objectName()))
                .append(" in ")
                .append(escape(e.app() + "/" + e.environment()))
                .append(" on ")
                .append(escape(e.cluster()));
        if (e.occurrences() > 1) {
            text.append(" (x").append(e.occurrences()).append(')');
        }
        String message = e.message().length() > 500 ? e.message().substring(0, 500) + "..." : e.message();
        text.append(": ").append(escape(message));
        if (e.revision().isPresent() || e.deployedBy().isPresent()) {
            text.append(" — ");
            e.revision().ifPresent(r -> text.append("revision ").append(r));
            e.ref().ifPresent(r -> text.append(", ref ").append(escape(r)));
            e.deployedBy().ifPresent(by -> text.append(", deployed by ").append(escape(by)));
            text.append('.');
        }
        text.append(" <").append(eventsUrl).append("|events>");
        return text.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void send(ForwardedEvent event, String eventsUrl) throws IOException {
        ObjectNode body = this.body.apply(event, eventsUrl);
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
            throw new IOException("interrupted while posting to the " + name + " webhook", e);
        }
        if (response.statusCode() / 100 != 2) {
            // The URL is not said: it may carry a token.
            throw new IOException("the " + name + " webhook answered " + response.statusCode());
        }
    }
}
