package dev.slipway.core.deploy;

import java.util.List;
import java.util.Optional;

/**
 * Read-only looks at one cluster as a person, the way {@code kubectl get|describe|logs|events|rollout status}
 * answers: the backend sends each request as that person (Kubernetes impersonation), so the cluster's RBAC decides
 * what they may see, not Slipway's own credentials. Secrets are never read. Each answer is plain text for people.
 */
public interface ClusterReads extends AutoCloseable {
    /** The kinds {@link #get} and {@link #describe} take, as kubectl names them. */
    List<String> KINDS = List.of(
            "pods", "deployments", "replicasets", "statefulsets", "daemonsets", "services", "configmaps", "jobs");

    /** Objects of {@code kind} in {@code namespace} (or the one named), a line each. */
    String get(String namespace, String kind, Optional<String> name);

    /** One object: labels, status and conditions, and the events about it. */
    String describe(String namespace, String kind, String name);

    /** The last {@code lines} lines of a pod's (container's) log. */
    String logs(String namespace, String pod, Optional<String> container, int lines);

    /** The namespace's events, newest last. */
    String events(String namespace);

    /** Whether a Deployment's rollout is done: replicas updated, ready and available. */
    String rolloutStatus(String namespace, String deployment);

    /** Lets go of the connection to the cluster. */
    @Override
    default void close() {}
}
