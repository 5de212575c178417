package dev.slipway.server;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the server forwards abnormal Kubernetes events (docs/events.md): where to (an error tracker by its Sentry DSN,
 * a JSON webhook), how repeats are grouped, how many new groups an app's environment may send, and how much waits
 * for a sink that is down.
 *
 * @param sentryDsn the error tracker's DSN (read from an owner-only file; a secret, never logged)
 * @param webhook where each event is POSTed as JSON (read from an owner-only file: such URLs often carry a token)
 * @param chat a Slack incoming webhook that posts each event into a channel (owner-only file, a secret too)
 * @param groupWindow repeats of an object's reason within this are counted into one group, not sent again
 * @param perMinute new groups an app's environment may send per minute, after a burst of {@code burst}
 * @param queueBound deliveries kept per sink while it is down; beyond it the oldest are dropped (and counted)
 * @param firstRetry the wait after a sink's first failure, doubling per failure up to {@code maxRetry}
 * @param refresh how often the environments (and so the namespaces watched) are read again
 */
public record EventForwarding(
        Optional<String> sentryDsn,
        Optional<URI> webhook,
        Optional<URI> chat,
        Duration groupWindow,
        int perMinute,
        int burst,
        int queueBound,
        Duration firstRetry,
        Duration maxRetry,
        Duration refresh) {

    /** Events stored and listed by the API, sent nowhere. */
    public static final EventForwarding DEFAULTS = new EventForwarding(
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Duration.ofMinutes(10),
            30,
            10,
            10_000,
            Duration.ofSeconds(1),
            Duration.ofMinutes(5),
            Duration.ofSeconds(30));

    public EventForwarding {
        Objects.requireNonNull(sentryDsn, "sentryDsn");
        Objects.requireNonNull(webhook, "webhook");
        Objects.requireNonNull(chat, "chat");
        Objects.requireNonNull(groupWindow, "groupWindow");
        Objects.requireNonNull(firstRetry, "firstRetry");
        Objects.requireNonNull(maxRetry, "maxRetry");
        Objects.requireNonNull(refresh, "refresh");
        if (perMinute < 1 || burst < 1 || queueBound < 1) {
            throw new IllegalArgumentException("perMinute, burst and queueBound must be at least 1");
        }
    }

    public EventForwarding withSentry(String dsn) {
        return new EventForwarding(
                Optional.of(dsn),
                webhook,
                chat,
                groupWindow,
                perMinute,
                burst,
                queueBound,
                firstRetry,
                maxRetry,
                refresh);
    }

    public EventForwarding withWebhook(URI url) {
        return new EventForwarding(
                sentryDsn,
                Optional.of(url),
                chat,
                groupWindow,
                perMinute,
                burst,
                queueBound,
                firstRetry,
                maxRetry,
                refresh);
    }

    /** Events posted into a chat channel through a Slack incoming webhook. */
    public EventForwarding withChat(URI incomingWebhook) {
        return new EventForwarding(
                sentryDsn,
                webhook,
                Optional.of(incomingWebhook),
                groupWindow,
                perMinute,
                burst,
                queueBound,
                firstRetry,
                maxRetry,
                refresh);
    }

    public EventForwarding withGroupWindow(Duration window) {
        return new EventForwarding(
                sentryDsn, webhook, chat, window, perMinute, burst, queueBound, firstRetry, maxRetry, refresh);
    }

    public EventForwarding withRate(int newPerMinute, int newBurst) {
        return new EventForwarding(
                sentryDsn,
                webhook,
                chat,
                groupWindow,
                newPerMinute,
                newBurst,
                queueBound,
                firstRetry,
                maxRetry,
                refresh);
    }

    public EventForwarding withQueueBound(int bound) {
        return new EventForwarding(
                sentryDsn, webhook, chat, groupWindow, perMinute, burst, bound, firstRetry, maxRetry, refresh);
    }

    public EventForwarding withRetry(Duration first, Duration max) {
        return new EventForwarding(
                sentryDsn, webhook, chat, groupWindow, perMinute, burst, queueBound, first, max, refresh);
    }

    public EventForwarding withRefresh(Duration every) {
        return new EventForwarding(
                sentryDsn, webhook, chat, groupWindow, perMinute, burst, queueBound, firstRetry, maxRetry, every);
    }

    @Override
    public String toString() {
        // The DSN and the webhook URL are secrets: said to be set, never shown.
        return "EventForwarding[sentry " + (sentryDsn.isPresent() ? "on" : "off") + ", webhook "
                + (webhook.isPresent() ? "on" : "off") + ", chat " + (chat.isPresent() ? "on" : "off") + ", window "
                + groupWindow + ", " + perMinute + "/min burst "
                + burst + ", queue " + queueBound + "]";
    }
}
