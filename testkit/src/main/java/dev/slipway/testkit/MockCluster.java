package dev.slipway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;

/**
 * One simulated Kubernetes cluster on 127.0.0.1: fabric8's CRUD mock API server with a server-side apply
 * shim, and a stand-in controller that makes workloads ready (or not). Tests use it to see what a deploy did
 * (objects, statuses, and every write it sent).
 */
public final class MockCluster implements AutoCloseable {
    /** Held so the level sticks: the mock server logs every request at INFO through java.util.logging. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = quietMockServerLog();

    private final String name;
    private final KubernetesMockServer server;
    private final ServerSideApplyDispatcher dispatcher;
    private final StandInController controller;
    private final KubernetesClient client;
    private final List<KubernetesClient> extraClients = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean stopped;

    private MockCluster(String name, KubernetesMockServer server, ServerSideApplyDispatcher dispatcher) {
        this.name = name;
        this.server = server;
        this.dispatcher = dispatcher;
        this.controller = new StandInController(newClient(ServerSideApplyDispatcher.CONTROLLER_AGENT));
        this.client = newClient("slipway-testkit");
    }

    /** Starts a cluster named {@code name} on a free port of 127.0.0.1. */
    public static MockCluster start(String name) {
        ServerSideApplyDispatcher dispatcher = new ServerSideApplyDispatcher();
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), dispatcher, false);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("127.0.0.1 always resolves", e);
        }
        MockCluster cluster = new MockCluster(name, server, dispatcher);
        cluster.controller.start();
        return cluster;
    }

    private static java.util.logging.Logger quietMockServerLog() {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
        log.setLevel(java.util.logging.Level.WARNING);
        return log;
    }

    public String name() {
        return name;
    }

    /** The API server's base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** A client for looking at (or seeding) the cluster; its writes count in {@link #writes()} too. */
    public KubernetesClient client() {
        return client;
    }

    /** Every write request (method and path) received since start or {@link #clearWrites()}, controller excluded. */
    public List<String> writes() {
        return dispatcher.writes();
    }

    public void clearWrites() {
        dispatcher.clearWrites();
    }

    /**
     * Every request sent as someone else (Kubernetes impersonation), as {@code user [groups] METHOD path}: what the
     * API server would authorize as that person.
     */
    public List<String> impersonated() {
        return dispatcher.impersonated();
    }

    /**
     * Ends every open watch with 410 Gone, as an API server does once the resource version a watch started from
     * has been compacted: the client has to list again. Returns how many watches were open.
     */
    public int expireWatches() {
        return dispatcher.expireWatches();
    }

    /** Makes this cluster's RBAC refuse (403) every request sent as {@code user}. */
    public void denyImpersonated(String user) {
        dispatcher.deny(user);
    }

    /** Makes the API server answer 401 to everyone but its controller, like an expired kubeconfig token. */
    public void rejectCredentials(boolean reject) {
        dispatcher.rejectCredentials(reject);
    }

    /**
     * Answers the {@code nth} write from now on (1 = the next) with 500 Internal Server Error, as an API server
     * whose storage fails; later writes succeed. Counts the writes {@link #writes()} logs.
     */
    public void failWrite(int nth) {
        dispatcher.failWrites(nth, false);
    }

    /** As {@link #failWrite}, but that write and every later one fail, until {@link #healWrites()}. */
    public void failWritesFrom(int nth) {
        dispatcher.failWrites(nth, true);
    }

    public void healWrites() {
        dispatcher.failWrites(0, false);
    }

    /**
     * A client acting as field manager {@code manager} (e.g. {@code kubectl-scale}): its writes without an
     * explicit fieldManager are owned by that manager, as the API server names managers after the user agent.
     * Closed with the cluster.
     */
    public KubernetesClient clientAs(String manager) {
        KubernetesClient c = newClient(manager);
        extraClients.add(c);
        return c;
    }

    /** Chooses what the stand-in controller makes of each workload (default {@link WorkloadOutcome#BY_ANNOTATION_OR_IMAGE}). */
    public void outcomes(Function<JsonNode, WorkloadOutcome> rule) {
        controller.outcomes(rule);
    }

    /** Stops the API server: from now on the cluster is unreachable. */
    public void stop() {
        if (!stopped) {
            stopped = true;
            controller.close();
            client.close();
            extraClients.forEach(KubernetesClient::close);
            server.destroy();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private KubernetesClient newClient(String userAgent) {
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(url())
                .withNamespace("default")
                .withUserAgent(userAgent)
                .withRequestRetryBackoffLimit(0)
                .build();
        return new KubernetesClientBuilder()
                .withConfig(config)
                .withHttpClientFactory(new JdkHttpClientFactory())
                .build();
    }
}
