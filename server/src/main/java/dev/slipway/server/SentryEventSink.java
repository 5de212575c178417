package dev.slipway.server;

import dev.slipway.store.ForwardedEvent;
import io.sentry.SentryClient;
import io.sentry.SentryEvent;
import io.sentry.SentryLevel;
import io.sentry.SentryOptions;
import io.sentry.hints.SubmissionResult;
import io.sentry.protocol.Message;
import io.sentry.protocol.SentryId;
import io.sentry.util.HintUtils;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Sends events to an error tracker through the official Sentry SDK: one Sentry event per group, fingerprinted by
 * app, environment, cluster, object and reason (so the tracker groups the same way), tagged with what the forwarder
 * knows. The SDK's client is used directly, not its global hub, so several servers in one JVM keep their own DSN;
 * the send is awaited (the SDK reports the transport's result) so a failure stays in the store's queue.
 */
final class SentryEventSink implements EventSink {
    static final String NAME = "sentry";
    private static final long SEND_TIMEOUT_SECONDS = 15;

    private final SentryClient client;

    SentryEventSink(String dsn, String serverName) {
        SentryOptions options = new SentryOptions();
        options.setDsn(dsn);
        options.setServerName(serverName);
        options.setSendDefaultPii(false);
        options.setEnableUncaughtExceptionHandler(false);
        options.setAttachServerName(true);
        options.setAttachStacktrace(false);
        options.setEnableShutdownHook(false);
        options.setEnableExternalConfiguration(false);
        try {
            this.client = new SentryClient(options);
        } catch (IllegalArgumentException e) {
            // Not the SDK's message: it may quote the DSN, whose key is a secret.
            throw new IllegalArgumentException(
                    "the Sentry DSN is not one (expected https://KEY@HOST/PROJECT); check the file sentry-dsn-file names");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void send(ForwardedEvent event, String eventsUrl) throws IOException {
        SentryEvent sentry = new SentryEvent();
        Message message = new Message();
        message.setFormatted(
                event.reason() + " on " + event.objectKind() + " " + event.objectName() + ": " + event.message());
        sentry.setMessage(message);
        sentry.setLevel(event.type().equalsIgnoreCase("Warning") ? SentryLevel.WARNING : SentryLevel.ERROR);
        sentry.setLogger("slipway.events");
        sentry.setEnvironment(event.environment());
        event.ref().ifPresent(ref -> sentry.setRelease(event.app() + "@" + ref));
        sentry.setFingerprints(List.of(
                event.app(),
                event.environment(),
                event.cluster(),
                event.objectKind(),
                event.objectName(),
                event.reason()));
        sentry.setTag("app", event.app());
        sentry.setTag("env", event.environment());
        sentry.setTag("cluster", event.cluster());
        sentry.setTag("namespace", event.namespace());
        sentry.setTag("reason", event.reason());
        sentry.setTag("kind", event.objectKind().toLowerCase(Locale.ROOT));
        sentry.setTag("object", event.objectName());
        sentry.setTag("count", String.valueOf(event.occurrences()));
        event.revision().ifPresent(r -> sentry.setTag("revision", String.valueOf(r)));
        event.ref().ifPresent(r -> sentry.setTag("ref", r));
        event.deployedBy().ifPresent(by -> sentry.setTag("deployed_by", by));
        sentry.setExtra("first_seen", event.firstSeen().toString());
        sentry.setExtra("last_seen", event.lastSeen().toString());
        sentry.setExtra("events", eventsUrl);
        event.deployId().ifPresent(id -> sentry.setExtra("deploy", id));
        Result result = new Result();
        SentryId id = client.captureEvent(sentry, null, HintUtils.createWithTypeCheckHint(result));
        if (SentryId.EMPTY_ID.equals(id)) {
            throw new IOException("the Sentry SDK dropped the event");
        }
        try {
            if (!result.done.await(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("the error tracker did not answer within " + SEND_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending to the error tracker", e);
        }
        if (!result.success) {
            throw new IOException("the error tracker refused or could not be reached");
        }
    }

    @Override
    public void close() {
        client.close(true);
    }

    /** The SDK's transport sets this once the envelope was sent or failed. */
    private static final class Result implements SubmissionResult {
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean success;

        @Override
        public void setResult(boolean ok) {
            success = ok;
            done.countDown();
        }

        @Override
        public boolean isSuccess() {
            return success;
        }
    }
}
