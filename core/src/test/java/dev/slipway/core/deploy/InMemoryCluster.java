package dev.slipway.core.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.Drift;
import dev.slipway.core.plan.DriftedField;
import dev.slipway.core.revision.Revision;
import dev.slipway.core.revision.RevisionSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/** A cluster held in memory, to test the engine's rules without any backend. Records every write. */
final class InMemoryCluster {
    final String name;
    final Map<ObjectRef, ObjectNode> objects = new LinkedHashMap<>();
    final Set<String> namespaces = new HashSet<>();
    final TreeMap<Integer, Revision> revisions = new TreeMap<>();
    final List<String> writes = java.util.Collections.synchronizedList(new ArrayList<>());
    Optional<DeployLock> lease = Optional.empty();
    Function<ObjectNode, ObjectHealth> health = o -> ObjectHealth.healthy(ObjectRef.of(o), "ok");
    Optional<String> unreachable = Optional.empty();
    /** Runs when a lock is asked for: lets a test slip another deploy in between look and lock. */
    Runnable beforeLock = () -> {};
    /** Runs when live objects are read: lets a test see when each cluster is looked at. */
    Runnable onGet = () -> {};
    /** Names of objects whose apply fails as an API server answering 500 would. */
    final Set<String> failingApplies = new HashSet<>();
    /** Recording a revision fails (the cluster went away mid-deploy). */
    boolean failRecord;
    /** Runs first in every apply, outside the cluster's lock (by name): lets a test hold one apply of a batch. */
    volatile Consumer<String> onApply = name -> {};
    /** Objects applied with forced field ownership. */
    final List<String> forced = new ArrayList<>();

    InMemoryCluster(String name) {
        this.name = name;
    }

    ClusterTarget target() {
        return new ClusterTarget() {
            @Override
            public String cluster() {
                return name;
            }

            @Override
            public void preflight(String namespace) {
                unreachable.ifPresent(why -> {
                    throw new ClusterFailureException(ClusterFailure.unreachable(name, why));
                });
            }

            @Override
            public boolean namespaceExists(String namespace) {
                return namespaces.contains(namespace);
            }

            @Override
            public void ensureNamespace(String namespace, Map<String, String> labels) {
                if (namespaces.add(namespace)) {
                    writes.add("create namespace " + namespace);
                }
            }

            @Override
            public Map<ObjectRef, ObjectNode> get(Collection<ObjectNode> wanted) {
                onGet.run();
                Map<ObjectRef, ObjectNode> found = new LinkedHashMap<>();
                wanted.forEach(o -> Optional.ofNullable(objects.get(ObjectRef.of(o)))
                        .ifPresent(live -> found.put(ObjectRef.of(o), live.deepCopy())));
                return found;
            }

            @Override
            public Optional<Drift> drift(ObjectNode desired, ObjectNode live) {
                // Top-level data fields by plain equality: enough to exercise the engine's rules.
                List<DriftedField> fields = new ArrayList<>();
                ObjectNode view = desired.deepCopy();
                desired.path("data").fields().forEachRemaining(e -> {
                    if (!e.getValue().equals(live.path("data").get(e.getKey()))) {
                        fields.add(new DriftedField(".data." + e.getKey(), "kubectl-edit", false));
                        view.with("data").set(e.getKey(), live.path("data").get(e.getKey()));
                    }
                });
                return fields.isEmpty() ? Optional.empty() : Optional.of(new Drift(fields, view));
            }

            @Override
            public ApplyResult apply(ObjectNode object, boolean forceConflicts) {
                onApply.accept(ObjectRef.of(object).name());
                synchronized (InMemoryCluster.this) {
                    writes.add("apply " + ObjectRef.of(object).name());
                    if (forceConflicts) {
                        forced.add(ObjectRef.of(object).name());
                    }
                    if (failingApplies.contains(ObjectRef.of(object).name())) {
                        throw new ClusterFailureException(ClusterFailure.apiError(
                                name,
                                Optional.of(ObjectRef.of(object)),
                                "Internal error occurred: etcdserver: timeout"));
                    }
                    objects.put(ObjectRef.of(object), object.deepCopy());
                    return ApplyResult.applied(object);
                }
            }

            @Override
            public boolean delete(ObjectNode object) {
                writes.add("delete " + ObjectRef.of(object).name());
                return objects.remove(ObjectRef.of(object)) != null;
            }

            @Override
            public HealthOutcome awaitHealthy(
                    List<ObjectNode> wanted, Duration timeout, Consumer<ObjectHealth> progress) {
                for (ObjectNode o : wanted) {
                    ObjectHealth h = health.apply(o);
                    progress.accept(h);
                    if (h.state() == HealthState.FAILED) {
                        return HealthOutcome.failed(h);
                    }
                    if (h.state() == HealthState.PROGRESSING) {
                        return HealthOutcome.timedOut(List.of(h));
                    }
                }
                return HealthOutcome.allHealthy();
            }

            @Override
            public List<ObjectHealth> health(List<ObjectNode> wanted) {
                return wanted.stream().map(health).toList();
            }

            @Override
            public LockGrant lock(AppEnvironment scope, String holder, Instant now, Duration ttl) {
                beforeLock.run();
                if (lease.isPresent() && lease.get().expires().isAfter(now)) {
                    return LockGrant.heldBy(
                            lease.get().holder(),
                            lease.get().acquired(),
                            lease.get().expires());
                }
                boolean takenOver = lease.isPresent();
                DeployLock lock = new DeployLock(scope, UUID.randomUUID().toString(), holder, now, now.plus(ttl));
                lease = Optional.of(lock);
                writes.add("lock");
                return takenOver ? LockGrant.takenOver(lock) : LockGrant.acquired(lock);
            }

            @Override
            public void unlock(DeployLock lock) {
                if (lease.isPresent() && lease.get().id().equals(lock.id())) {
                    lease = Optional.empty();
                    writes.add("unlock");
                }
            }

            @Override
            public List<RevisionSummary> revisions(AppEnvironment scope) {
                return revisions.values().stream()
                        .map(Revision::summary)
                        .sorted(Comparator.comparingInt(RevisionSummary::number).reversed())
                        .toList();
            }

            @Override
            public Optional<Revision> revision(AppEnvironment scope, int number) {
                return Optional.ofNullable(revisions.get(number));
            }

            @Override
            public void record(AppEnvironment scope, Revision revision) {
                if (failRecord) {
                    throw new ClusterFailureException(ClusterFailure.unreachable(name, "connection refused"));
                }
                synchronized (InMemoryCluster.this) {
                    writes.add("record " + revision.number());
                }
                revisions.put(revision.number(), revision);
            }

            @Override
            public void forget(AppEnvironment scope, int number) {
                writes.add("forget " + number);
                revisions.remove(number);
            }

            @Override
            public void close() {}
        };
    }
}
