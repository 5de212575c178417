package dev.slipway.core.plan;

import java.util.List;
import java.util.OptionalInt;

/**
 * What a deploy will do on one cluster.
 *
 * @param cluster cluster name
 * @param namespace the environment's namespace there
 * @param namespaceExists false when the deploy will create the namespace
 * @param currentRevision the newest recorded revision on the cluster, if any
 * @param changes one entry per desired object (apply order), then one per object to prune
 */
public record ClusterPlan(
        String cluster,
        String namespace,
        boolean namespaceExists,
        OptionalInt currentRevision,
        List<PlannedChange> changes) {
    public ClusterPlan {
        changes = List.copyOf(changes);
    }

    /** False when a deploy would write nothing to this cluster. */
    public boolean hasChanges() {
        return !namespaceExists || changes.stream().anyMatch(c -> c.action().writes());
    }

    public long count(ChangeAction action) {
        return changes.stream().filter(c -> c.action() == action).count();
    }

    public List<PlannedChange> writes() {
        return changes.stream().filter(c -> c.action().writes()).toList();
    }

    /** {@code 3 to create, 1 to update, 0 to delete, 47 unchanged}, with {@code 2 drifted} when any drifted. */
    public String summary() {
        long drifted = count(ChangeAction.DRIFTED);
        return count(ChangeAction.CREATE) + " to create, " + count(ChangeAction.UPDATE) + " to update, "
                + (drifted > 0 ? drifted + " drifted, " : "")
                + count(ChangeAction.DELETE) + " to delete, " + count(ChangeAction.UNCHANGED) + " unchanged";
    }
}
