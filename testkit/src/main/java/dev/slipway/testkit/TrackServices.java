package dev.slipway.testkit;

import dev.slipway.core.Labels;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.Map;

/**
 * NodePort Services of one track of a routable service, as a deploy of an environment with a rollout creates
 * them ({@code <service>-<track>}, labelled {@code slipway.dev/service} and {@code slipway.dev/track} beside the
 * ownership labels), with the nodePort a test chooses: the mock API server assigns none, and a test runs its
 * backend on that port of 127.0.0.1.
 */
public final class TrackServices {
    private TrackServices() {}

    /** Creates or replaces {@code <service>-<track>} in {@code namespace} with {@code nodePort}. */
    public static Service put(
            MockCluster cluster,
            String namespace,
            String app,
            String environment,
            String service,
            String track,
            int nodePort) {
        Service s = new ServiceBuilder()
                .withNewMetadata()
                .withName(service + "-" + track)
                .withNamespace(namespace)
                .withLabels(Map.of(
                        Labels.APP,
                        app,
                        Labels.ENV,
                        environment,
                        Labels.NAME,
                        service,
                        Labels.INSTANCE,
                        app + "-" + environment,
                        Labels.MANAGED_BY,
                        Labels.MANAGED_BY_SLIPWAY,
                        "slipway.dev/service",
                        service,
                        "slipway.dev/track",
                        track))
                .endMetadata()
                .withNewSpec()
                .withType("NodePort")
                .withSelector(Map.of(Labels.NAME, service, "slipway.dev/track", track))
                .addNewPort()
                .withName("http")
                .withPort(80)
                .withNewTargetPort("http")
                .withNodePort(nodePort)
                .withProtocol("TCP")
                .endPort()
                .endSpec()
                .build();
        return cluster.client().services().inNamespace(namespace).resource(s).createOr(r -> r.update());
    }

    /** Deletes {@code <service>-<track>}. */
    public static void delete(MockCluster cluster, String namespace, String service, String track) {
        cluster.client()
                .services()
                .inNamespace(namespace)
                .withName(service + "-" + track)
                .delete();
    }
}
