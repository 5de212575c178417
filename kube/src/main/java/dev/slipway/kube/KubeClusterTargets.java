package dev.slipway.kube;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.ClusterFailureException;
import dev.slipway.core.deploy.ClusterReads;
import dev.slipway.core.deploy.ClusterTarget;
import dev.slipway.core.deploy.ClusterTargets;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens Kubernetes clusters by kubeconfig context, from {@code --kubeconfig FILE} or else the usual
 * {@code $KUBECONFIG} / {@code ~/.kube/config}. Uses the JDK's HTTP client: no extra threads or libraries
 * to start, which keeps CLI start-up fast.
 */
public final class KubeClusterTargets implements ClusterTargets {
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int REQUEST_TIMEOUT_MILLIS = 30_000;

    private final Optional<Path> kubeconfig;
    /**
     * One serialization (Jackson mapper and fabric8's registry of model types) for every client these targets
     * open: building it walks the registry of every model class in the class path, which each client would
     * otherwise pay for again.
     */
    private KubernetesSerialization serialization;

    private KubeClusterTargets(Optional<Path> kubeconfig) {
        this.kubeconfig = kubeconfig;
    }

    /** Clusters from {@code $KUBECONFIG} (or {@code ~/.kube/config}). */
    public static KubeClusterTargets fromEnvironment() {
        return new KubeClusterTargets(Optional.empty());
    }

    /** Clusters from an explicit kubeconfig file ({@code --kubeconfig}); empty falls back to the environment. */
    public static KubeClusterTargets fromKubeconfig(Optional<Path> kubeconfig) {
        return new KubeClusterTargets(kubeconfig);
    }

    @Override
    public ClusterTarget open(Cluster cluster) {
        return new KubeClusterTarget(cluster.name(), client(cluster, config -> {}));
    }

    /**
     * Watches {@code app}'s Services in {@code environment} on {@code cluster} (see {@link ServiceWatch}); the
     * watch reports to {@code listener} from its own thread until closed.
     *
     * @throws ClusterFailureException when the cluster's kubeconfig context cannot be used (a user error);
     *     an unreachable API server is not one: the watch starts stale and keeps trying
     */
    public ServiceWatch watchServices(
            Cluster cluster,
            String namespace,
            String app,
            String environment,
            java.util.function.Consumer<ServiceWatch.State> listener) {
        // The watch reconnects itself (and says it is stale meanwhile): fabric8's own retries would hide that.
        KubernetesClient client = client(cluster, config -> config.setWatchReconnectLimit(0));
        return ServiceWatch.start(cluster.name(), client, namespace, app, environment, listener);
    }

    /**
     * Watches the Events of {@code namespaces} on {@code cluster} (see {@link EventWatch}) until closed.
     *
     * @throws ClusterFailureException when the cluster's kubeconfig context cannot be used; an unreachable API
     *     server is not one: the watch reports it and keeps trying
     */
    @Override
    public Optional<AutoCloseable> watchEvents(
            Cluster cluster,
            java.util.Map<String, Optional<String>> namespaces,
            dev.slipway.core.deploy.ClusterEvent.Listener listener) {
        KubernetesClient client = client(cluster, config -> config.setWatchReconnectLimit(0));
        return Optional.of(EventWatch.start(cluster.name(), client, namespaces, listener));
    }

    /**
     * Read-only looks at {@code cluster} sent as {@code user} in {@code groups} (Kubernetes impersonation: the
     * kubeconfig's credentials need the {@code impersonate} verb on users and groups).
     */
    @Override
    public Optional<ClusterReads> readsAs(Cluster cluster, String user, java.util.List<String> groups) {
        KubernetesClient client = client(cluster, config -> {
            config.setImpersonateUsername(user);
            config.setImpersonateGroups(groups.toArray(String[]::new));
        });
        return Optional.of(new KubeReads(cluster.name(), client));
    }

    private synchronized KubernetesSerialization serialization() {
        if (serialization == null) {
            serialization = new KubernetesSerialization();
        }
        return serialization;
    }

    private KubernetesClient client(Cluster cluster, java.util.function.Consumer<Config> tune) {
        String context = cluster.context() == null || cluster.context().isEmpty() ? cluster.name() : cluster.context();
        Config config;
        try {
            if (kubeconfig.isPresent()) {
                if (!Files.isReadable(kubeconfig.get())) {
                    throw new ClusterFailureException(new ClusterFailure(
                            cluster.name(),
                            ClusterFailure.Reason.UNKNOWN_CONTEXT,
                            Optional.empty(),
                            "cannot read kubeconfig " + kubeconfig.get(),
                            "check the --kubeconfig path"));
                }
                config = Config.fromKubeconfig(context, kubeconfig.get().toFile());
            } else {
                config = Config.autoConfigure(context);
            }
        } catch (KubernetesClientException | IllegalArgumentException e) {
            throw new ClusterFailureException(new ClusterFailure(
                    cluster.name(),
                    ClusterFailure.Reason.UNKNOWN_CONTEXT,
                    Optional.empty(),
                    "cannot load the kubeconfig: " + ApiErrors.rootMessage(e),
                    "fix the kubeconfig file ($KUBECONFIG or --kubeconfig)"));
        }
        // fabric8 silently falls back to the current context; a deploy must never go to the wrong cluster.
        if (config.getCurrentContext() == null
                || !context.equals(config.getCurrentContext().getName())) {
            throw new ClusterFailureException(ClusterFailure.unknownContext(cluster.name(), context));
        }
        config.setConnectionTimeout(CONNECT_TIMEOUT_MILLIS);
        config.setRequestTimeout(REQUEST_TIMEOUT_MILLIS);
        // Retrying an unreachable server only delays the one clear error preflight should give.
        config.setRequestRetryBackoffLimit(0);
        ClientKeyAlgorithm.apply(config);
        tune.accept(config);
        KubernetesClient client;
        try {
            // Builds the TLS context, so a client key or certificate that cannot be used fails here.
            client = new KubernetesClientBuilder()
                    .withConfig(config)
                    .withHttpClientFactory(new JdkHttpClientFactory())
                    .withKubernetesSerialization(serialization())
                    .build();
        } catch (KubernetesClientException e) {
            throw new ClusterFailureException(new ClusterFailure(
                    cluster.name(),
                    ClusterFailure.Reason.UNKNOWN_CONTEXT,
                    Optional.empty(),
                    "cannot use the client certificate or key of kubeconfig context '" + context + "': "
                            + ApiErrors.rootMessage(e),
                    "check client-certificate(-data) and client-key(-data) of the context's user; keys are read as"
                            + " PEM: PKCS#8 (BEGIN PRIVATE KEY), RSA PKCS#1 or EC (BEGIN EC PRIVATE KEY)"));
        }
        return client;
    }
}
