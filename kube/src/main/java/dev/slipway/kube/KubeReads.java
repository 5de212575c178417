package dev.slipway.kube;

import dev.slipway.core.deploy.ClusterReads;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@link ClusterReads} over a fabric8 client that impersonates the person ({@code Impersonate-User},
 * {@code Impersonate-Group}): what they may not read, the API server refuses, and that refusal is the answer.
 */
final class KubeReads implements ClusterReads {
    private static final Map<String, String[]> KIND_PATHS = Map.of(
            "pods", new String[] {"v1", "Pod"},
            "services", new String[] {"v1", "Service"},
            "configmaps", new String[] {"v1", "ConfigMap"},
            "deployments", new String[] {"apps/v1", "Deployment"},
            "replicasets", new String[] {"apps/v1", "ReplicaSet"},
            "statefulsets", new String[] {"apps/v1", "StatefulSet"},
            "daemonsets", new String[] {"apps/v1", "DaemonSet"},
            "jobs", new String[] {"batch/v1", "Job"});

    private final String cluster;
    private final KubernetesClient client;

    KubeReads(String cluster, KubernetesClient client) {
        this.cluster = cluster;
        this.client = client;
    }

    @Override
    public String get(String namespace, String kind, Optional<String> name) {
        String[] type = type(kind);
        return reading(() -> {
            var resources = client.genericKubernetesResources(type[0], type[1]).inNamespace(namespace);
            List<GenericKubernetesResource> items = name.isPresent()
                    ? Optional.ofNullable(resources.withName(name.get()).get()).stream()
                            .toList()
                    : resources.list().getItems();
            if (items.isEmpty()) {
                return "no " + kind + name.map(n -> " named " + n).orElse("") + " in " + namespace;
            }
            return items.stream()
                    .sorted(Comparator.comparing(r -> r.getMetadata().getName()))
                    .map(r -> r.getMetadata().getName() + "  " + summary(r))
                    .collect(Collectors.joining("\n"));
        });
    }

    @Override
    public String describe(String namespace, String kind, String name) {
        String[] type = type(kind);
        return reading(() -> {
            GenericKubernetesResource r = client.genericKubernetesResources(type[0], type[1])
                    .inNamespace(namespace)
                    .withName(name)
                    .get();
            if (r == null) {
                return "no " + kind + " named " + name + " in " + namespace;
            }
            StringBuilder out = new StringBuilder(type[1] + " " + namespace + "/" + name + "\n");
            out.append("labels: ")
                    .append(Optional.ofNullable(r.getMetadata().getLabels()).orElse(Map.of()))
                    .append('\n');
            out.append("status: ").append(summary(r)).append('\n');
            Object status = r.getAdditionalProperties().get("status");
            if (status instanceof Map<?, ?> s && s.get("conditions") instanceof List<?> conditions) {
                for (Object c : conditions) {
                    if (c instanceof Map<?, ?> condition) {
                        out.append("condition ")
                                .append(condition.get("type"))
                                .append('=')
                                .append(condition.get("status"));
                        Optional.ofNullable(condition.get("reason"))
                                .ifPresent(reason ->
                                        out.append(" (").append(reason).append(')'));
                        out.append('\n');
                    }
                }
            }
            List<Event> about = events(namespace, Optional.of(name));
            out.append(about.isEmpty() ? "no events" : "events:\n" + lines(about));
            return out.toString();
        });
    }

    @Override
    public String logs(String namespace, String pod, Optional<String> container, int lines) {
        return reading(() -> {
            var p = client.pods().inNamespace(namespace).withName(pod);
            String log = container.isPresent()
                    ? p.inContainer(container.get()).tailingLines(lines).getLog()
                    : p.tailingLines(lines).getLog();
            return log == null || log.isEmpty() ? "no log lines" : log.stripTrailing();
        });
    }

    @Override
    public String events(String namespace) {
        return reading(() -> {
            List<Event> all = events(namespace, Optional.empty());
            return all.isEmpty() ? "no events in " + namespace : lines(all);
        });
    }

    @Override
    public String rolloutStatus(String namespace, String deployment) {
        return reading(() -> {
            Deployment d = client.apps()
                    .deployments()
                    .inNamespace(namespace)
                    .withName(deployment)
                    .get();
            if (d == null) {
                return "no deployment named " + deployment + " in " + namespace;
            }
            int want = Optional.ofNullable(d.getSpec().getReplicas()).orElse(1);
            var s = d.getStatus();
            int updated = s == null || s.getUpdatedReplicas() == null ? 0 : s.getUpdatedReplicas();
            int ready = s == null || s.getReadyReplicas() == null ? 0 : s.getReadyReplicas();
            int available = s == null || s.getAvailableReplicas() == null ? 0 : s.getAvailableReplicas();
            boolean done = updated >= want && ready >= want && available >= want;
            return "deployment " + deployment + (done ? " successfully rolled out" : " is rolling out") + ": " + updated
                    + "/" + want + " updated, " + ready + " ready, " + available + " available";
        });
    }

    @Override
    public void close() {
        client.close();
    }

    private List<Event> events(String namespace, Optional<String> about) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> about.isEmpty()
                        || (e.getInvolvedObject() != null
                                && about.get().equals(e.getInvolvedObject().getName())))
                .sorted(Comparator.comparing(KubeReads::when))
                .toList();
    }

    private static String when(Event e) {
        return Optional.ofNullable(e.getLastTimestamp())
                .or(() -> Optional.ofNullable(e.getEventTime()).map(t -> t.getTime()))
                .or(() -> Optional.ofNullable(e.getMetadata().getCreationTimestamp()))
                .orElse("");
    }

    private static String lines(List<Event> events) {
        return events.stream()
                .map(e -> when(e) + "  " + e.getType() + "  " + e.getReason() + "  "
                        + Optional.ofNullable(e.getInvolvedObject())
                                .map(o -> o.getKind() + "/" + o.getName())
                                .orElse("")
                        + ": " + e.getMessage()
                        + (e.getCount() != null && e.getCount() > 1 ? " (x" + e.getCount() + ")" : ""))
                .collect(Collectors.joining("\n"));
    }

    /** A few words on an object's state: replicas for workloads, phase for pods, type for services. */
    private static String summary(HasMetadata r) {
        if (!(r instanceof GenericKubernetesResource g)) {
            return "";
        }
        Object status = g.getAdditionalProperties().get("status");
        Object spec = g.getAdditionalProperties().get("spec");
        if (status instanceof Map<?, ?> s && s.get("phase") != null) {
            return String.valueOf(s.get("phase"));
        }
        if (status instanceof Map<?, ?> s && spec instanceof Map<?, ?> sp && sp.get("replicas") != null) {
            return Optional.ofNullable(s.get("readyReplicas")).orElse(0) + "/" + sp.get("replicas") + " ready";
        }
        if (spec instanceof Map<?, ?> sp && sp.get("type") != null) {
            return String.valueOf(sp.get("type"));
        }
        return "";
    }

    private static String[] type(String kind) {
        String[] type = KIND_PATHS.get(kind.toLowerCase(Locale.ROOT));
        if (type == null) {
            throw new IllegalArgumentException("'" + kind + "' is not a kind chat reads; use one of " + KINDS
                    + (kind.toLowerCase(Locale.ROOT).startsWith("secret") ? " (Secrets are never shown)" : ""));
        }
        return type;
    }

    private String reading(java.util.function.Supplier<String> read) {
        try {
            return read.get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                return "cluster " + cluster + " refused: " + ApiErrors.rootMessage(e)
                        + " (its RBAC decides what you may read)";
            }
            return "cluster " + cluster + " could not be read: " + ApiErrors.rootMessage(e);
        }
    }
}
