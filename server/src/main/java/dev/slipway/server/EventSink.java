package dev.slipway.server;

import dev.slipway.store.ForwardedEvent;
import java.io.IOException;

/** Somewhere forwarded events go: an error tracker, a webhook. A failed send is retried from the store's queue. */
interface EventSink extends AutoCloseable {

    /** The sink's name in the queue and the meters' {@code sink} tag. */
    String name();

    /**
     * Sends {@code event}; returns once the receiver took it.
     *
     * @param eventsUrl the server's page of the environment's events, for a link
     * @throws IOException when it did not (down, refused, timed out): retried later
     */
    void send(ForwardedEvent event, String eventsUrl) throws IOException;

    @Override
    default void close() {}
}
