package dev.slipway.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.deploy.ClusterTarget;
import dev.slipway.core.deploy.ClusterTargets;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.revision.Revision;
import dev.slipway.core.revision.RevisionSummary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Deletes a lab from every cluster of its group: the objects Slipway applied there (read from the lab's recorded
 * revisions, newest first, in reverse apply order), the revision records, then the namespace. Deleting the
 * objects explicitly is needed because not every API server cascades a namespace deletion (the test one does not).
 */
final class LabTeardown {

    private final ClusterTargets targets;

    LabTeardown(ClusterTargets targets) {
        this.targets = targets;
    }

    /** Tears the lab down; throws (ClusterFailureException or the client's) if a cluster cannot be reached. */
    void tearDown(EnvironmentTarget lab) {
        for (Cluster cluster : lab.group().clusters()) {
            try (ClusterTarget target = targets.open(cluster)) {
                target.preflight(lab.namespace());
                if (!target.namespaceExists(lab.namespace())) {
                    continue;
                }
                List<RevisionSummary> revisions = target.revisions(lab.on());
                if (!revisions.isEmpty()) {
                    List<ObjectNode> objects = new ArrayList<>(
                            target.revision(lab.on(), revisions.get(0).number())
                                    .map(Revision::objects)
                                    .orElse(List.of()));
                    Collections.reverse(objects);
                    for (ObjectNode object : objects) {
                        if (!"Namespace".equals(object.path("kind").asText())) {
                            target.delete(object);
                        }
                    }
                }
                for (RevisionSummary revision : revisions) {
                    target.forget(lab.on(), revision.number());
                }
                target.delete(namespace(lab.namespace()));
            }
        }
    }

    private static ObjectNode namespace(String name) {
        ObjectNode namespace =
                Views.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace");
        namespace.putObject("metadata").put("name", name);
        return namespace;
    }
}
