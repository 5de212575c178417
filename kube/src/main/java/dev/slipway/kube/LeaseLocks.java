package dev.slipway.kube;

import dev.slipway.core.Labels;
import dev.slipway.core.deploy.AppEnvironment;
import dev.slipway.core.deploy.DeployLock;
import dev.slipway.core.deploy.LockGrant;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.UUID;

/**
 * Deploy locks as {@code coordination.k8s.io} Leases in the environment's namespace: visible with kubectl,
 * shared by everyone deploying to the cluster, and taken over once expired so a crashed deploy never blocks
 * forever. Optimistic concurrency (resourceVersion) decides races.
 */
final class LeaseLocks {
    static final String LOCK_ID_ANNOTATION = "slipway.dev/lock-id";

    private final KubernetesClient client;

    LeaseLocks(KubernetesClient client) {
        this.client = client;
    }

    /** The labels of the Leases Slipway keeps for an environment (its lock, its freeze): whose they are. */
    static Map<String, String> labels(AppEnvironment scope) {
        return Map.of(
                Labels.APP, scope.app(), Labels.ENV, scope.environment(), Labels.MANAGED_BY, Labels.MANAGED_BY_SLIPWAY);
    }

    static String leaseName(AppEnvironment scope) {
        return "slipway-lock." + scope.app() + "." + scope.environment();
    }

    LockGrant acquire(AppEnvironment scope, String holder, Instant now, Duration ttl) {
        String id = UUID.randomUUID().toString();
        var leases = client.leases().inNamespace(scope.namespace());
        Lease current = leases.withName(leaseName(scope)).get();
        Lease wanted = new LeaseBuilder()
                .withNewMetadata()
                .withName(leaseName(scope))
                .withNamespace(scope.namespace())
                .withLabels(labels(scope))
                .withAnnotations(Map.of(LOCK_ID_ANNOTATION, id))
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity(holder)
                .withAcquireTime(at(now))
                .withRenewTime(at(now))
                .withLeaseDurationSeconds((int) Math.max(1, ttl.toSeconds()))
                .endSpec()
                .build();
        boolean takenOver = false;
        try {
            if (current == null) {
                leases.resource(wanted).create();
            } else {
                if (!isFree(current, now)) {
                    return held(current);
                }
                wanted.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
                wanted.getSpec()
                        .setLeaseTransitions(
                                current.getSpec().getLeaseTransitions() == null
                                        ? 1
                                        : current.getSpec().getLeaseTransitions() + 1);
                leases.resource(wanted).update();
                takenOver = current.getSpec() != null && current.getSpec().getHolderIdentity() != null;
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                Lease winner = leases.withName(leaseName(scope)).get();
                if (winner != null) {
                    return held(winner);
                }
            }
            throw e;
        }
        DeployLock lock = new DeployLock(scope, id, holder, now, now.plus(ttl));
        return takenOver ? LockGrant.takenOver(lock) : LockGrant.acquired(lock);
    }

    void release(DeployLock lock) {
        var lease = client.leases().inNamespace(lock.scope().namespace()).withName(leaseName(lock.scope()));
        Lease current = lease.get();
        if (current != null
                && current.getMetadata().getAnnotations() != null
                && lock.id().equals(current.getMetadata().getAnnotations().get(LOCK_ID_ANNOTATION))) {
            lease.lockResourceVersion(current.getMetadata().getResourceVersion())
                    .delete();
        }
    }

    private static boolean isFree(Lease lease, Instant now) {
        if (lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null) {
            return true;
        }
        return !expires(lease).isAfter(now);
    }

    private static Instant expires(Lease lease) {
        ZonedDateTime renewed = lease.getSpec().getRenewTime() != null
                ? lease.getSpec().getRenewTime()
                : lease.getSpec().getAcquireTime();
        int seconds = lease.getSpec().getLeaseDurationSeconds() == null
                ? 0
                : lease.getSpec().getLeaseDurationSeconds();
        return renewed == null ? Instant.EPOCH : renewed.toInstant().plusSeconds(seconds);
    }

    private static LockGrant held(Lease lease) {
        ZonedDateTime since = lease.getSpec().getAcquireTime();
        return LockGrant.heldBy(
                lease.getSpec().getHolderIdentity(), since == null ? Instant.EPOCH : since.toInstant(), expires(lease));
    }

    private static ZonedDateTime at(Instant instant) {
        return instant.atZone(ZoneOffset.UTC);
    }
}
