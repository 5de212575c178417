package dev.slipway.kube;

import dev.slipway.core.Labels;
import dev.slipway.core.deploy.AppEnvironment;
import dev.slipway.core.deploy.Freeze;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Deploy freezes as a Lease beside the deploy lock ({@code slipway-freeze.APP.ENV} in the environment's
 * namespace): who froze it, why, since and until when in its annotations, so {@code kubectl get lease} shows it
 * and every path that deploys to the cluster reads the same thing. Lifting the freeze deletes the Lease. A freeze of
 * an environment name for every app is the same Lease, {@code slipway-freeze.ENV} in {@code slipway-system}.
 */
final class LeaseFreezes {
    static final String BY = "slipway.dev/frozen-by";
    static final String REASON = "slipway.dev/freeze-reason";
    static final String SINCE = "slipway.dev/frozen-since";
    static final String UNTIL = "slipway.dev/frozen-until";

    private final KubernetesClient client;

    LeaseFreezes(KubernetesClient client) {
        this.client = client;
    }

    static String leaseName(AppEnvironment scope) {
        return "slipway-freeze." + scope.app() + "." + scope.environment();
    }

    /** The every-app freeze of environment name {@code environment}: {@code slipway-freeze.ENV} in slipway-system. */
    static String environmentLeaseName(String environment) {
        return "slipway-freeze." + environment;
    }

    Optional<Freeze> read(AppEnvironment scope) {
        return read(scope.namespace(), leaseName(scope));
    }

    Optional<Freeze> readEnvironment(String environment) {
        return read(Labels.SYSTEM_NAMESPACE, environmentLeaseName(environment));
    }

    void write(AppEnvironment scope, Optional<Freeze> freeze) {
        write(scope.namespace(), leaseName(scope), LeaseLocks.labels(scope), freeze);
    }

    void writeEnvironment(String environment, Optional<Freeze> freeze) {
        write(
                Labels.SYSTEM_NAMESPACE,
                environmentLeaseName(environment),
                Map.of(Labels.ENV, environment, Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY),
                freeze);
    }

    private Optional<Freeze> read(String namespace, String name) {
        Lease lease = client.leases().inNamespace(namespace).withName(name).get();
        if (lease == null || lease.getMetadata().getAnnotations() == null) {
            return Optional.empty();
        }
        Map<String, String> a = lease.getMetadata().getAnnotations();
        try {
            return Optional.of(new Freeze(
                    a.getOrDefault(BY, "someone"),
                    a.getOrDefault(REASON, "no reason given"),
                    Instant.parse(a.getOrDefault(SINCE, Instant.EPOCH.toString())),
                    Optional.ofNullable(a.get(UNTIL)).map(Instant::parse)));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            // A freeze written by hand that cannot be read still freezes: better refused than deployed through.
            return Optional.of(new Freeze(
                    a.getOrDefault(BY, "someone"),
                    a.getOrDefault(REASON, "") + " (its times cannot be read: " + e.getMessage() + ")",
                    Instant.EPOCH,
                    Optional.empty()));
        }
    }

    private void write(String namespace, String name, Map<String, String> labels, Optional<Freeze> freeze) {
        var leases = client.leases().inNamespace(namespace);
        if (freeze.isEmpty()) {
            leases.withName(name).delete();
            return;
        }
        Freeze f = freeze.get();
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(BY, f.by());
        annotations.put(REASON, f.reason());
        annotations.put(SINCE, f.since().toString());
        f.until().ifPresent(u -> annotations.put(UNTIL, u.toString()));
        Lease lease = new LeaseBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity(f.by())
                .endSpec()
                .build();
        leases.resource(lease)
                .fieldManager(Labels.FIELD_MANAGER)
                .forceConflicts()
                .serverSideApply();
    }
}
