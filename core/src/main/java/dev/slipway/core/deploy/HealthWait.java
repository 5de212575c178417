package dev.slipway.core.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/**
 * A wait for one deploy's objects to become healthy, begun before the first of them is applied (see {@link
 * ClusterTarget#watchHealth}): its watches are in place while the objects are written, so waiting starts from
 * what the cluster has already reported instead of from a new list. Until {@link #await} it reports nothing; the
 * states it saw before the writes never count for objects the deploy applies (the applied version, as the API
 * server answered it, must be observed first).
 */
public interface HealthWait extends AutoCloseable {

    /** The API server's answer to one apply of this deploy: health is judged on this version or a newer one. */
    default void applied(ObjectNode live) {}

    /**
     * Waits (by watching, never by sleeping) until every object is healthy, one has failed, or the timeout passes;
     * reports each change of state from then on.
     */
    HealthOutcome await(Duration timeout);

    /** Stops the watches; safe to call whether or not {@link #await} was. */
    @Override
    void close();
}
