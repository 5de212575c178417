package dev.slipway.core.manifest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Knows which kinds are cluster-scoped, so Slipway sets the environment's namespace only where it
 * belongs. Custom resources are namespaced unless the app itself declares their CRD with
 * {@code scope: Cluster}.
 */
public final class KindScopes {
    /** group/kind of the built-in cluster-scoped kinds ("" = core group). */
    private static final Set<String> BUILT_IN_CLUSTER_SCOPED = Set.of(
            "/Namespace",
            "/Node",
            "/PersistentVolume",
            "/ComponentStatus",
            "apiextensions.k8s.io/CustomResourceDefinition",
            "rbac.authorization.k8s.io/ClusterRole",
            "rbac.authorization.k8s.io/ClusterRoleBinding",
            "storage.k8s.io/StorageClass",
            "storage.k8s.io/CSIDriver",
            "storage.k8s.io/CSINode",
            "storage.k8s.io/VolumeAttachment",
            "scheduling.k8s.io/PriorityClass",
            "networking.k8s.io/IngressClass",
            "node.k8s.io/RuntimeClass",
            "admissionregistration.k8s.io/MutatingWebhookConfiguration",
            "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
            "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
            "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
            "apiregistration.k8s.io/APIService",
            "certificates.k8s.io/CertificateSigningRequest",
            "flowcontrol.apiserver.k8s.io/FlowSchema",
            "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
            "policy/PodSecurityPolicy");

    private final Map<String, Boolean> declared;

    private KindScopes(Map<String, Boolean> declared) {
        this.declared = Map.copyOf(declared);
    }

    /** Built-in knowledge plus the scope of every CRD among {@code manifests}. */
    public static KindScopes of(List<Manifest> manifests) {
        Map<String, Boolean> declared = new HashMap<>();
        for (Manifest m : manifests) {
            if (m.ref().kind().equals("CustomResourceDefinition")
                    && m.ref().group().equals("apiextensions.k8s.io")) {
                String group = m.body().path("spec").path("group").asText("");
                String kind = m.body().path("spec").path("names").path("kind").asText("");
                String scope = m.body().path("spec").path("scope").asText("Namespaced");
                declared.put(group + "/" + kind, scope.equals("Cluster"));
            }
        }
        return new KindScopes(declared);
    }

    public boolean isClusterScoped(ObjectRef ref) {
        String key = ref.group() + "/" + ref.kind();
        Boolean custom = declared.get(key);
        return custom != null ? custom : BUILT_IN_CLUSTER_SCOPED.contains(key);
    }
}
