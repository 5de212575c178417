package dev.slipway.core.render;

import dev.slipway.core.manifest.ObjectRef;
import java.util.List;

/**
 * The built-in apply order of kinds: what other objects depend on goes first (namespaces before what lives
 * in them, CRDs before their custom resources, service accounts and config before the pods that mount
 * them), webhooks last so they cannot block the app's own objects.
 */
public final class KindOrder {
    private static final List<String> ORDER = List.of(
            "Namespace",
            "NetworkPolicy",
            "ResourceQuota",
            "LimitRange",
            "PriorityClass",
            "StorageClass",
            "IngressClass",
            "RuntimeClass",
            "CustomResourceDefinition",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Secret",
            "ConfigMap",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Service",
            "DaemonSet",
            "Pod",
            "ReplicaSet",
            "Deployment",
            "StatefulSet",
            "Job",
            "CronJob",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "Ingress",
            "APIService");

    /** Kinds not listed (custom resources, Gateway API, ...) go after all listed ones but before webhooks. */
    private static final int OTHER = ORDER.size();

    private static final List<String> LAST = List.of(
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding");

    private KindOrder() {}

    /** Rank of a kind: lower applies first. */
    public static int rank(ObjectRef ref) {
        if (!isBuiltInGroup(ref.group())) {
            return OTHER;
        }
        int i = ORDER.indexOf(ref.kind());
        if (i >= 0) {
            return i;
        }
        int last = LAST.indexOf(ref.kind());
        return last >= 0 ? OTHER + 1 + last : OTHER;
    }

    /** Kubernetes' own API groups; a custom resource that happens to be called "Service" is not one. */
    private static boolean isBuiltInGroup(String group) {
        return group.isEmpty()
                || group.endsWith(".k8s.io")
                || group.equals("apps")
                || group.equals("batch")
                || group.equals("policy")
                || group.equals("autoscaling");
    }
}
