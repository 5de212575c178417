package dev.slipway.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.Labels;
import dev.slipway.core.deploy.AppEnvironment;
import dev.slipway.core.deploy.ApplyResult;
import dev.slipway.core.deploy.ClusterFailureException;
import dev.slipway.core.deploy.ClusterTarget;
import dev.slipway.core.deploy.DeployLock;
import dev.slipway.core.deploy.FieldConflict;
import dev.slipway.core.deploy.HealthOutcome;
import dev.slipway.core.deploy.HealthState;
import dev.slipway.core.deploy.HealthWait;
import dev.slipway.core.deploy.LockGrant;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.Drift;
import dev.slipway.core.revision.Revision;
import dev.slipway.core.revision.RevisionSummary;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.ServerSideApplicable;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Kubernetes cluster reached through fabric8: real server-side apply, watches for waiting. */
final class KubeClusterTarget implements ClusterTarget {
    static final String FREEZE_WINDOWS = "slipway-freeze-windows";
    static final String FREEZE_WINDOWS_KEY = "windows.yaml";

    /** How long a just-applied CustomResourceDefinition may take to be served before its objects are applied. */
    private static final Duration CRD_ESTABLISH_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern CONFLICT_MANAGER = Pattern.compile("conflict with \"([^\"]*)\"");
    private static final int LIST_THRESHOLD = 3;
    private static final int LOOKUP_CONCURRENCY = 6;

    private final String cluster;
    private final KubernetesClient client;
    private final LeaseLocks locks;
    private final RevisionSecrets revisions;
    private ExecutorService lookupPool;

    KubeClusterTarget(String cluster, KubernetesClient client) {
        this.cluster = cluster;
        this.client = client;
        this.locks = new LeaseLocks(client);
        this.revisions = new RevisionSecrets(client);
    }

    @Override
    public String cluster() {
        return cluster;
    }

    @Override
    public void preflight(String namespace) {
        // A read every deploy needs anyway; proves the server answers and accepts our credentials.
        call(Optional.empty(), () -> client.namespaces().withName(namespace).get());
    }

    @Override
    public boolean namespaceExists(String namespace) {
        return call(
                Optional.empty(), () -> client.namespaces().withName(namespace).get() != null);
    }

    @Override
    public void ensureNamespace(String namespace, Map<String, String> labels) {
        call(Optional.empty(), () -> {
            if (client.namespaces().withName(namespace).get() != null) {
                return null;
            }
            try {
                return client.namespaces()
                        .resource(new NamespaceBuilder()
                                .withNewMetadata()
                                .withName(namespace)
                                .withLabels(labels)
                                .endMetadata()
                                .build())
                        .create();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    return null; // created meanwhile by someone else: fine
                }
                throw e;
            }
        });
    }

    @Override
    public Map<ObjectRef, ObjectNode> get(Collection<ObjectNode> objects) {
        // One list per kind and namespace instead of one GET per object keeps no-op redeploys cheap.
        Map<KindKey, List<ObjectNode>> byKind = new LinkedHashMap<>();
        for (ObjectNode object : objects) {
            byKind.computeIfAbsent(KindKey.of(object), k -> new ArrayList<>()).add(object);
        }
        // Kinds are independent: look them up concurrently.
        Map<ObjectRef, ObjectNode> live = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> lookups = new ArrayList<>();
        for (Map.Entry<KindKey, List<ObjectNode>> entry : byKind.entrySet()) {
            lookups.add(CompletableFuture.runAsync(() -> lookUp(entry.getKey(), entry.getValue(), live), lookupPool()));
        }
        try {
            CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
        Map<ObjectRef, ObjectNode> wanted = new HashMap<>();
        for (ObjectNode object : objects) {
            ObjectRef ref = ObjectRef.of(object);
            if (live.containsKey(ref)) {
                wanted.put(ref, live.get(ref));
            }
        }
        return wanted;
    }

    private void lookUp(KindKey key, List<ObjectNode> objects, Map<ObjectRef, ObjectNode> live) {
        call(Optional.of(ObjectRef.of(objects.get(0))), () -> {
            if (!knowsKind(key)) {
                return null; // e.g. a custom resource whose CRD this deploy will create
            }
            if (objects.size() >= LIST_THRESHOLD) {
                for (GenericKubernetesResource item : resources(key).list().getItems()) {
                    ObjectNode node = toNode(item);
                    live.put(ObjectRef.of(node), node);
                }
            } else {
                for (ObjectNode object : objects) {
                    GenericKubernetesResource item = resources(key)
                            .withName(object.path("metadata").path("name").asText())
                            .get();
                    if (item != null) {
                        ObjectNode node = toNode(item);
                        live.put(ObjectRef.of(node), node);
                    }
                }
            }
            return null;
        });
    }

    private synchronized ExecutorService lookupPool() {
        if (lookupPool == null) {
            lookupPool = Executors.newFixedThreadPool(LOOKUP_CONCURRENCY, runnable -> {
                Thread thread = new Thread(runnable, "slipway-lookup-" + cluster);
                thread.setDaemon(true);
                return thread;
            });
        }
        return lookupPool;
    }

    @Override
    public ApplyResult apply(ObjectNode object, boolean forceConflicts) {
        ObjectRef ref = ObjectRef.of(object);
        GenericKubernetesResource resource =
                client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
        try {
            KindKey key = KindKey.of(object);
            if (!knowsKind(key)) {
                return ApplyResult.rejected("the cluster does not serve kind "
                        + object.path("apiVersion").asText() + " " + ref.kind()
                        + " (is its CustomResourceDefinition installed?)");
            }
            ServerSideApplicable<GenericKubernetesResource> apply =
                    client.resource(resource).fieldManager(Labels.FIELD_MANAGER);
            if (forceConflicts) {
                apply = apply.forceConflicts();
            }
            GenericKubernetesResource applied = apply.serverSideApply();
            if (ref.kind().equals("CustomResourceDefinition") && ref.group().equals("apiextensions.k8s.io")) {
                awaitEstablished(ref);
            }
            return ApplyResult.applied(toNode(applied));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return ApplyResult.conflict(conflicts(e.getStatus()));
            }
            if (e.getCode() >= 400 && e.getCode() != 401 && e.getCode() != 403 && e.getCode() < 500) {
                return ApplyResult.rejected(statusMessage(e));
            }
            throw ApiErrors.translate(cluster, Optional.of(ref), e);
        }
    }

    @Override
    public boolean delete(ObjectNode object) {
        ObjectRef ref = ObjectRef.of(object);
        return call(Optional.of(ref), () -> {
            KindKey key = KindKey.of(object);
            if (!knowsKind(key)) {
                return false;
            }
            return !resources(key).withName(ref.name()).delete().isEmpty();
        });
    }

    @Override
    public HealthOutcome awaitHealthy(List<ObjectNode> objects, Duration timeout, Consumer<ObjectHealth> progress) {
        try (HealthWait wait = watchHealth(objects, progress)) {
            return wait.await(timeout);
        }
    }

    /**
     * Starts one informer per workload kind and namespace and one on the EndpointSlices of each namespace with a
     * Service to wait for; their list and watch run while the deploy applies. Nothing is written.
     */
    @Override
    public HealthWait watchHealth(List<ObjectNode> objects, Consumer<ObjectHealth> progress) {
        return new InformerHealthWait(new HealthWatch(objects, progress));
    }

    @Override
    public List<ObjectHealth> health(List<ObjectNode> objects) {
        HealthWatch snapshot = new HealthWatch(objects, h -> {});
        call(Optional.empty(), () -> {
            snapshot.workloadKinds()
                    .forEach(key -> snapshot.onWorkloads(
                            key,
                            resources(key).list().getItems().stream()
                                    .map(this::toNode)
                                    .toList()));
            snapshot.serviceNamespaces()
                    .forEach(namespace -> snapshot.onEndpointSlices(
                            namespace,
                            endpointSlices().inNamespace(namespace).list().getItems().stream()
                                    .map(this::toNode)
                                    .toList()));
            return null;
        });
        // Kinds without readiness rules are healthy once applied, which they are only while they exist.
        Map<ObjectRef, ObjectNode> live = get(objects);
        return snapshot.all().stream()
                .map(h -> live.containsKey(h.ref()) ? h : ObjectHealth.failed(h.ref(), "missing from the cluster"))
                .toList();
    }

    @Override
    public Optional<Drift> drift(ObjectNode desired, ObjectNode live) {
        return LiveDrift.between(desired, live);
    }

    @Override
    public LockGrant lock(AppEnvironment scope, String holder, Instant now, Duration ttl) {
        return call(Optional.empty(), () -> locks.acquire(scope, holder, now, ttl));
    }

    @Override
    public void unlock(DeployLock lock) {
        call(Optional.empty(), () -> {
            locks.release(lock);
            return null;
        });
    }

    @Override
    public Optional<dev.slipway.core.deploy.Freeze> freeze(AppEnvironment scope) {
        return call(Optional.empty(), () -> new LeaseFreezes(client).read(scope));
    }

    @Override
    public void setFreeze(AppEnvironment scope, Optional<dev.slipway.core.deploy.Freeze> freeze) {
        call(Optional.empty(), () -> {
            if (freeze.isPresent()) {
                ensureNamespace(scope.namespace(), Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY));
            } else if (client.namespaces().withName(scope.namespace()).get() == null) {
                return null; // nothing was ever frozen there
            }
            new LeaseFreezes(client).write(scope, freeze);
            return null;
        });
    }

    @Override
    public Optional<dev.slipway.core.deploy.Freeze> environmentFreeze(String environment) {
        return call(Optional.empty(), () -> new LeaseFreezes(client).readEnvironment(environment));
    }

    @Override
    public void setEnvironmentFreeze(String environment, Optional<dev.slipway.core.deploy.Freeze> freeze) {
        call(Optional.empty(), () -> {
            if (freeze.isPresent()) {
                ensureNamespace(Labels.SYSTEM_NAMESPACE, Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY));
            } else if (client.namespaces().withName(Labels.SYSTEM_NAMESPACE).get() == null) {
                return null; // nothing was ever frozen there
            }
            new LeaseFreezes(client).writeEnvironment(environment, freeze);
            return null;
        });
    }

    /** The freeze windows file's text: key {@code windows.yaml} of ConfigMap slipway-freeze-windows in slipway-system. */
    @Override
    public Optional<String> freezeWindows() {
        return call(
                Optional.empty(),
                () -> Optional.ofNullable(client.configMaps()
                                .inNamespace(Labels.SYSTEM_NAMESPACE)
                                .withName(FREEZE_WINDOWS)
                                .get())
                        .map(c -> c.getData() == null ? null : c.getData().get(FREEZE_WINDOWS_KEY)));
    }

    @Override
    public void setFreezeWindows(Optional<String> text) {
        call(Optional.empty(), () -> {
            var configMaps = client.configMaps().inNamespace(Labels.SYSTEM_NAMESPACE);
            if (text.isEmpty()) {
                if (client.namespaces().withName(Labels.SYSTEM_NAMESPACE).get() != null) {
                    configMaps.withName(FREEZE_WINDOWS).delete();
                }
                return null;
            }
            ensureNamespace(Labels.SYSTEM_NAMESPACE, Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY));
            configMaps
                    .resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                            .withNewMetadata()
                            .withName(FREEZE_WINDOWS)
                            .withNamespace(Labels.SYSTEM_NAMESPACE)
                            .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY))
                            .endMetadata()
                            .withData(Map.of(FREEZE_WINDOWS_KEY, text.get()))
                            .build())
                    .fieldManager(Labels.FIELD_MANAGER)
                    .forceConflicts()
                    .serverSideApply();
            return null;
        });
    }

    @Override
    public List<RevisionSummary> revisions(AppEnvironment scope) {
        return call(Optional.empty(), () -> revisions.list(scope));
    }

    @Override
    public Optional<Revision> revision(AppEnvironment scope, int number) {
        return call(Optional.empty(), () -> revisions.read(scope, number));
    }

    @Override
    public void record(AppEnvironment scope, Revision revision) {
        call(Optional.empty(), () -> {
            revisions.write(scope, revision);
            return null;
        });
    }

    @Override
    public void forget(AppEnvironment scope, int number) {
        call(Optional.empty(), () -> {
            revisions.delete(scope, number);
            return null;
        });
    }

    @Override
    public void close() {
        synchronized (this) {
            if (lookupPool != null) {
                lookupPool.shutdownNow();
            }
        }
        client.close();
    }

    // ------------------------------------------------------------------------------------------------------

    /** apiVersion + kind + namespace: what one list or informer covers. */
    record KindKey(String apiVersion, String kind, String namespace) {
        static KindKey of(JsonNode object) {
            return new KindKey(
                    object.path("apiVersion").asText(),
                    object.path("kind").asText(),
                    object.path("metadata").path("namespace").asText(""));
        }
    }

    private boolean knowsKind(KindKey key) {
        // Built-in kinds resolve locally; others by API discovery, which fails until their CRD is served.
        try {
            return client.getKubernetesSerialization().getRegisteredKubernetesResource(key.apiVersion(), key.kind())
                            != null
                    || client.genericKubernetesResources(key.apiVersion(), key.kind()) != null;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 401 || e.getCode() == 403 || ApiErrors.isConnectionProblem(e)) {
                throw e;
            }
            return false;
        }
    }

    private NonNamespaceOperation<
                    GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
            resources(KindKey key) {
        MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
                op = client.genericKubernetesResources(key.apiVersion(), key.kind());
        return key.namespace().isEmpty() ? op : op.inNamespace(key.namespace());
    }

    /**
     * EndpointSlices by their resource coordinates, so neither the typed model nor API discovery is needed
     * (Endpoints, which Slipway read before, are deprecated since Kubernetes 1.33).
     */
    private MixedOperation<
                    GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
            endpointSlices() {
        return client.genericKubernetesResources(new ResourceDefinitionContext.Builder()
                .withGroup("discovery.k8s.io")
                .withVersion("v1")
                .withKind("EndpointSlice")
                .withPlural("endpointslices")
                .withNamespaced(true)
                .build());
    }

    private void awaitEstablished(ObjectRef crd) {
        try {
            client.resources(CustomResourceDefinition.class)
                    .withName(crd.name())
                    .informOnCondition(items -> items.stream()
                            .anyMatch(c -> c.getStatus() != null
                                    && c.getStatus().getConditions() != null
                                    && c.getStatus().getConditions().stream()
                                            .anyMatch(cond -> cond.getType().equals("Established")
                                                    && cond.getStatus().equals("True"))))
                    .get(CRD_ESTABLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new ClusterFailureException(dev.slipway.core.deploy.ClusterFailure.apiError(
                    cluster,
                    Optional.of(crd),
                    "the CustomResourceDefinition was not established within " + CRD_ESTABLISH_TIMEOUT.toSeconds()
                            + "s"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a CRD", e);
        }
    }

    private ObjectNode toNode(Object resource) {
        return client.getKubernetesSerialization().convertValue(resource, ObjectNode.class);
    }

    private static List<FieldConflict> conflicts(Status status) {
        List<FieldConflict> conflicts = new ArrayList<>();
        if (status != null && status.getDetails() != null && status.getDetails().getCauses() != null) {
            for (StatusCause cause : status.getDetails().getCauses()) {
                Matcher m = CONFLICT_MANAGER.matcher(String.valueOf(cause.getMessage()));
                conflicts.add(
                        new FieldConflict(m.find() ? m.group(1) : "another manager", String.valueOf(cause.getField())));
            }
        }
        if (conflicts.isEmpty()) {
            String message = status == null ? "" : String.valueOf(status.getMessage());
            Matcher m = CONFLICT_MANAGER.matcher(message);
            conflicts.add(
                    new FieldConflict(m.find() ? m.group(1) : "another manager", "(see message: " + message + ")"));
        }
        return conflicts;
    }

    private static String statusMessage(KubernetesClientException e) {
        Status status = e.getStatus();
        if (status != null
                && status.getMessage() != null
                && !status.getMessage().isBlank()) {
            return status.getMessage();
        }
        return "HTTP " + e.getCode();
    }

    private <T> T call(Optional<ObjectRef> object, Supplier<T> request) {
        try {
            return request.get();
        } catch (KubernetesClientException e) {
            throw ApiErrors.translate(cluster, object, e);
        }
    }

    /**
     * A health wait over informers started before the writes: events before {@link #await} only fill the caches;
     * from then on every event re-judges the objects of its kind from the cache.
     */
    private final class InformerHealthWait implements HealthWait {
        private final HealthWatch watch;
        /** Each informer with how to judge its objects from its cache (true: nothing left to wait for). */
        private final Map<SharedIndexInformer<GenericKubernetesResource>, Predicate<List<ObjectNode>>> informers =
                new LinkedHashMap<>();

        private final Map<SharedIndexInformer<GenericKubernetesResource>, Boolean> settled = new HashMap<>();
        private final List<CompletableFuture<Void>> synced = new ArrayList<>();
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private boolean armed;

        InformerHealthWait(HealthWatch watch) {
            this.watch = watch;
            try {
                call(Optional.empty(), () -> {
                    for (KindKey key : watch.workloadKinds()) {
                        start(resources(key).runnableInformer(0), items -> watch.onWorkloads(key, items));
                    }
                    for (String namespace : watch.serviceNamespaces()) {
                        start(
                                endpointSlices().inNamespace(namespace).runnableInformer(0),
                                items -> watch.onEndpointSlices(namespace, items));
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private void start(SharedIndexInformer<GenericKubernetesResource> informer, Predicate<List<ObjectNode>> judge) {
            synchronized (this) {
                informers.put(informer, judge);
            }
            informer.addEventHandler(new ResourceEventHandler<GenericKubernetesResource>() {
                @Override
                public void onAdd(GenericKubernetesResource obj) {
                    judge(informer);
                }

                @Override
                public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                    judge(informer);
                }

                @Override
                public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                    judge(informer);
                }
            });
            synced.add(informer.start().toCompletableFuture());
        }

        /** Judges one informer's objects from its cache once armed; completes {@code done} when all have settled. */
        private synchronized void judge(SharedIndexInformer<GenericKubernetesResource> informer) {
            if (!armed || done.isDone()) {
                return;
            }
            List<ObjectNode> items = informer.getStore().list().stream()
                    .map(KubeClusterTarget.this::toNode)
                    .toList();
            settled.put(informer, informers.get(informer).test(items));
            if (settled.size() == informers.size() && !settled.containsValue(false)) {
                done.complete(null);
            }
        }

        @Override
        public void applied(ObjectNode live) {
            watch.applied(live);
        }

        @Override
        public HealthOutcome await(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                CompletableFuture.allOf(synced.toArray(CompletableFuture[]::new))
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                synchronized (this) {
                    armed = true;
                    informers.keySet().forEach(this::judge);
                    if (informers.isEmpty()) {
                        done.complete(null);
                    }
                }
                long left = Math.max(0, deadline - System.nanoTime());
                CompletableFuture.anyOf(done, watch.failure()).get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return HealthOutcome.timedOut(watch.pending());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return HealthOutcome.timedOut(watch.pending());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof KubernetesClientException k) {
                    throw ApiErrors.translate(cluster, Optional.empty(), k);
                }
                throw new IllegalStateException("watching health on cluster " + cluster + " failed", e.getCause());
            }
            return watch.failed().map(HealthOutcome::failed).orElseGet(HealthOutcome::allHealthy);
        }

        @Override
        public void close() {
            List<SharedIndexInformer<GenericKubernetesResource>> all;
            synchronized (this) {
                all = new ArrayList<>(informers.keySet());
            }
            all.forEach(SharedIndexInformer::stop);
        }
    }

    /** Tracks the health of one wait's objects as informers report them. */
    private static final class HealthWatch {
        private final Map<ObjectRef, ObjectHealth> states = new ConcurrentHashMap<>();
        private final Map<KindKey, List<ObjectRef>> workloads = new LinkedHashMap<>();
        private final Map<String, List<ObjectRef>> services = new LinkedHashMap<>();
        private final List<ObjectRef> order = new ArrayList<>();
        private final Consumer<ObjectHealth> progress;
        private final CompletableFuture<ObjectHealth> failure = new CompletableFuture<>();
        /** The generation each applied workload got from the API server: older live versions do not count. */
        private final Map<ObjectRef, Long> appliedGenerations = new ConcurrentHashMap<>();

        HealthWatch(List<ObjectNode> objects, Consumer<ObjectHealth> progress) {
            this.progress = progress;
            for (ObjectNode object : objects) {
                ObjectRef ref = ObjectRef.of(object);
                order.add(ref);
                if (WorkloadHealth.WATCHED_KINDS.contains(ref.kind())) {
                    workloads
                            .computeIfAbsent(KindKey.of(object), k -> new ArrayList<>())
                            .add(ref);
                    states.put(ref, ObjectHealth.progressing(ref, "waiting"));
                } else if (WorkloadHealth.awaitsEndpoints(object, objects)) {
                    services.computeIfAbsent(ref.namespace(), k -> new ArrayList<>())
                            .add(ref);
                    states.put(ref, ObjectHealth.progressing(ref, "waiting"));
                } else if (WorkloadHealth.isServiceWithEndpoints(object)) {
                    states.put(ref, WorkloadHealth.withoutEndpoints(ref));
                } else {
                    states.put(ref, ObjectHealth.healthy(ref, "applied"));
                }
            }
        }

        Collection<KindKey> workloadKinds() {
            return workloads.keySet();
        }

        Collection<String> serviceNamespaces() {
            return services.keySet();
        }

        CompletableFuture<ObjectHealth> failure() {
            return failure;
        }

        /** Notes the version of a watched object that this deploy's apply produced. */
        void applied(ObjectNode live) {
            ObjectRef ref = ObjectRef.of(live);
            if (states.containsKey(ref)) {
                appliedGenerations.put(
                        ref, live.path("metadata").path("generation").asLong(0));
            }
        }

        boolean onWorkloads(KindKey key, List<ObjectNode> items) {
            Map<String, ObjectNode> byName = byName(items);
            boolean done = true;
            for (ObjectRef ref : workloads.get(key)) {
                ObjectNode live = byName.get(ref.name());
                long applied = appliedGenerations.getOrDefault(ref, 0L);
                done &= update(
                        live != null && live.path("metadata").path("generation").asLong(0) < applied
                                ? ObjectHealth.progressing(ref, "waiting for the applied version to be seen")
                                : WorkloadHealth.of(ref, live));
            }
            return done;
        }

        boolean onEndpointSlices(String namespace, List<ObjectNode> slices) {
            Map<String, List<ObjectNode>> byService = new HashMap<>();
            for (ObjectNode slice : slices) {
                String service = slice.path("metadata")
                        .path("labels")
                        .path(WorkloadHealth.SERVICE_NAME_LABEL)
                        .asText("");
                byService.computeIfAbsent(service, k -> new ArrayList<>()).add(slice);
            }
            boolean done = true;
            for (ObjectRef ref : services.get(namespace)) {
                done &= update(WorkloadHealth.ofEndpointSlices(ref, byService.getOrDefault(ref.name(), List.of())));
            }
            return done;
        }

        /** @return whether this object needs no more waiting */
        private synchronized boolean update(ObjectHealth health) {
            ObjectHealth before = states.put(health.ref(), health);
            if (!health.equals(before)) {
                progress.accept(health);
            }
            if (health.state() == HealthState.FAILED) {
                failure.complete(health);
            }
            return health.state() != HealthState.PROGRESSING;
        }

        Optional<ObjectHealth> failed() {
            return Optional.ofNullable(failure.getNow(null));
        }

        List<ObjectHealth> pending() {
            return order.stream()
                    .map(states::get)
                    .filter(h -> h.state() != HealthState.HEALTHY)
                    .toList();
        }

        List<ObjectHealth> all() {
            return order.stream().map(states::get).toList();
        }

        private static Map<String, ObjectNode> byName(List<ObjectNode> items) {
            Map<String, ObjectNode> byName = new HashMap<>();
            items.forEach(i -> byName.put(i.path("metadata").path("name").asText(), i));
            return byName;
        }
    }
}
