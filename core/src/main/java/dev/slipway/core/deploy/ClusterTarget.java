package dev.slipway.core.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.Drift;
import dev.slipway.core.revision.Revision;
import dev.slipway.core.revision.RevisionSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One Kubernetes cluster as the {@link DeployEngine} sees it: the seam between the engine and the API server
 * (implemented over fabric8 in {@code kube}, by test clusters in {@code testkit}). Local processes do not implement
 * it, as they have no objects to apply; they meet the cluster backend one level up, at {@link EnvironmentBackend}.
 * Implementations throw {@link
 * ClusterFailureException} when the cluster cannot be talked to; everything a deploy must report is a
 * returned value.
 *
 * <p>A target is used by one deploy at a time and closed after each command; {@link #apply} may be called
 * from several threads at once (objects of one wave and kind are applied concurrently).
 */
public interface ClusterTarget extends AutoCloseable {

    /** The cluster's name in the clusters file. */
    String cluster();

    /**
     * Checks that the cluster answers and accepts the credentials, without writing anything.
     *
     * @throws ClusterFailureException naming what is wrong and what to do
     */
    void preflight(String namespace);

    boolean namespaceExists(String namespace);

    /** Creates the namespace with these labels unless it exists (an existing one is left alone). */
    void ensureNamespace(String namespace, Map<String, String> labels);

    /**
     * The live versions of {@code objects} (identified by apiVersion, kind, namespace and name); objects that
     * do not exist, or whose kind the cluster does not know yet, are absent from the map.
     */
    Map<ObjectRef, ObjectNode> get(Collection<ObjectNode> objects);

    /**
     * How {@code live} departs from {@code desired} in the fields {@code desired} sets, judged with this
     * backend's normalisation so values the cluster merely rewrote (defaults, canonical forms) are not drift.
     * Pure: looks only at the two objects (and whatever ownership {@code live} records), never at the cluster.
     * A backend that cannot tell says empty.
     */
    default Optional<Drift> drift(ObjectNode desired, ObjectNode live) {
        return Optional.empty();
    }

    /** Server-side apply with field manager {@code slipway}; conflicts are returned, not thrown. */
    ApplyResult apply(ObjectNode object, boolean forceConflicts);

    /** Deletes the object (identified by apiVersion, kind, namespace and name); false when it was already gone. */
    boolean delete(ObjectNode object);

    /**
     * Waits (by watching, never by sleeping) until every object is healthy, one has failed, or the timeout
     * passes. Reports each change of state to {@code progress} as it happens.
     */
    HealthOutcome awaitHealthy(List<ObjectNode> objects, Duration timeout, Consumer<ObjectHealth> progress);

    /**
     * Begins a health wait for {@code objects} before they are applied, so a backend can have its watches synced
     * by the time the writes end (the engine calls this just before the first apply and {@link HealthWait#await}
     * after prune). Must not write. The default waits only when awaited, through {@link #awaitHealthy}.
     */
    default HealthWait watchHealth(List<ObjectNode> objects, Consumer<ObjectHealth> progress) {
        return new HealthWait() {
            @Override
            public HealthOutcome await(Duration timeout) {
                return awaitHealthy(objects, timeout, progress);
            }

            @Override
            public void close() {}
        };
    }

    /** The current health of each object, read once (for status), in the given order. */
    List<ObjectHealth> health(List<ObjectNode> objects);

    /**
     * Takes the deploy lock of {@code scope} (the namespace exists by then), or says who holds it; an expired
     * lock is taken over.
     */
    LockGrant lock(AppEnvironment scope, String holder, Instant now, Duration ttl);

    /** Releases a lock this target granted; a lock taken over meanwhile by someone else is left alone. */
    void unlock(DeployLock lock);

    /** Recorded revisions, newest first, without their objects. */
    List<RevisionSummary> revisions(AppEnvironment scope);

    /** One recorded revision with its objects. */
    Optional<Revision> revision(AppEnvironment scope, int number);

    /** Stores a revision in the cluster. */
    void record(AppEnvironment scope, Revision revision);

    /** Deletes a stored revision (history trimming). */
    void forget(AppEnvironment scope, int number);

    @Override
    void close();

    /**
     * The environment's freeze as this cluster keeps it, ended ones included (callers judge by time); empty when
     * none was set.
     */
    default Optional<Freeze> freeze(AppEnvironment scope) {
        return Optional.empty();
    }

    /** Keeps {@code freeze} as the environment's on this cluster (creating its namespace if need be), or lifts it. */
    default void setFreeze(AppEnvironment scope, Optional<Freeze> freeze) {
        throw new UnsupportedOperationException("this backend keeps no deploy freezes");
    }

    /**
     * The freeze of environment name {@code environment} for every app on this cluster (set by {@code slipway
     * freeze --env E --all-apps}), ended ones included; empty when none was set.
     */
    default Optional<Freeze> environmentFreeze(String environment) {
        return Optional.empty();
    }

    /** Keeps {@code freeze} as the every-app freeze of {@code environment} on this cluster, or lifts it. */
    default void setEnvironmentFreeze(String environment, Optional<Freeze> freeze) {
        throw new UnsupportedOperationException("this backend keeps no deploy freezes");
    }

    /**
     * The recurring freeze windows file this cluster keeps (its text, as {@code slipway freeze-windows set}
     * wrote it), read by every deploy to the cluster; empty when none was set.
     */
    default Optional<String> freezeWindows() {
        return Optional.empty();
    }

    /** Keeps {@code text} as this cluster's freeze windows file, or (empty) removes it. */
    default void setFreezeWindows(Optional<String> text) {
        throw new UnsupportedOperationException("this backend keeps no freeze windows");
    }
}
