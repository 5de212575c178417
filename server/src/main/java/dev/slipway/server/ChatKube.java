package dev.slipway.server;

import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.deploy.ClusterFailureException;
import dev.slipway.core.deploy.ClusterReads;
import dev.slipway.core.deploy.ClusterTargets;
import dev.slipway.store.EnvironmentRecord;
import java.util.List;
import java.util.Optional;

/**
 * Chat's {@code kube ...}: a handful of read-only kubectl looks into an environment's namespace, on each cluster of
 * its group, sent as the person (Kubernetes impersonation of user NAME in group {@code slipway:SCOPE}), so the
 * cluster's RBAC decides what they may see. Secrets are never read.
 */
final class ChatKube {
    static final String USAGE = "kube get KIND [NAME] APP ENV | kube describe KIND NAME APP ENV | kube logs POD"
            + " [CONTAINER] APP ENV | kube events APP ENV | kube rollout-status DEPLOYMENT APP ENV (KIND: "
            + String.join(", ", ClusterReads.KINDS) + ")";
    private static final int LOG_LINES = 50;

    private final AppSources sources;
    private final ClusterTargets targets;

    ChatKube(AppSources sources, ClusterTargets targets) {
        this.sources = sources;
        this.targets = targets;
    }

    /** What {@code verb args} shows of {@code env}'s namespace on each cluster, as {@code caller}. */
    String run(Caller caller, EnvironmentRecord env, String verb, List<String> args) {
        if (!sources.hasClusters()) {
            return "this server has no clusters file, so there is no cluster to look at";
        }
        String namespace = env.namespace();
        StringBuilder out = new StringBuilder();
        for (Cluster cluster : sources.group(env.clusterGroup()).clusters()) {
            out.append(cluster.name()).append(" (").append(namespace).append("):\n");
            Optional<ClusterReads> opened;
            try {
                opened = targets.readsAs(
                        cluster,
                        caller.name(),
                        List.of("slipway:" + caller.scope().wireName()));
            } catch (ClusterFailureException e) {
                out.append(e.getMessage()).append("\n");
                continue;
            }
            if (opened.isEmpty()) {
                return "this server's clusters cannot be read as someone else, so kube commands are off";
            }
            try (ClusterReads reads = opened.get()) {
                out.append(read(reads, namespace, verb, args)).append("\n");
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
        return out.toString().stripTrailing();
    }

    private static String read(ClusterReads reads, String namespace, String verb, List<String> args) {
        return switch (verb) {
            case "get" ->
                args.isEmpty() || args.size() > 2
                        ? usage()
                        : reads.get(
                                namespace, args.get(0), args.stream().skip(1).findFirst());
            case "describe" -> args.size() != 2 ? usage() : reads.describe(namespace, args.get(0), args.get(1));
            case "logs" ->
                args.isEmpty() || args.size() > 2
                        ? usage()
                        : reads.logs(
                                namespace, args.get(0), args.stream().skip(1).findFirst(), LOG_LINES);
            case "events" -> args.isEmpty() ? reads.events(namespace) : usage();
            case "rollout-status" -> args.size() != 1 ? usage() : reads.rolloutStatus(namespace, args.get(0));
            default -> usage();
        };
    }

    private static String usage() {
        throw new IllegalArgumentException("Not understood. " + USAGE);
    }
}
