package dev.slipway.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.revision.Revision;
import dev.slipway.core.revision.RevisionOutcome;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class PlannerTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static ObjectNode yaml(String text) {
        try {
            return (ObjectNode) YAML.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ObjectNode configMap(String name, String data) {
        return AppliedHash.stamp(yaml("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                  namespace: shop
                  labels: {slipway.dev/app: shop, slipway.dev/env: production}
                data: %s
                """.formatted(name, data)));
    }

    static ClusterPlan plan(List<ObjectNode> desired, Map<ObjectRef, ObjectNode> live, Optional<Revision> previous) {
        return Planner.plan("east-1", "shop", true, "shop", "production", desired, live, previous);
    }

    static Map<ObjectRef, ObjectNode> live(ObjectNode... objects) {
        Map<ObjectRef, ObjectNode> live = new HashMap<>();
        for (ObjectNode o : objects) {
            ObjectNode copy = o.deepCopy();
            copy.with("metadata").put("resourceVersion", "42").put("uid", "u-1");
            live.put(ObjectRef.of(copy), copy);
        }
        return live;
    }

    static Optional<Revision> revision(ObjectNode... objects) {
        return Optional.of(Revision.of(
                "shop",
                "production",
                "east-1",
                1,
                "",
                "ci",
                Instant.EPOCH,
                RevisionOutcome.SUCCEEDED,
                OptionalInt.empty(),
                List.of(objects)));
    }

    @Test
    void anObjectMissingFromTheClusterIsCreated() {
        ClusterPlan plan = plan(List.of(configMap("a", "{k: v}")), Map.of(), Optional.empty());

        assertThat(plan.changes()).extracting(PlannedChange::action).containsExactly(ChangeAction.CREATE);
        assertThat(plan.hasChanges()).isTrue();
    }

    @Test
    void anObjectCarryingTheSameHashIsUnchangedEvenWithServerFields() {
        ObjectNode a = configMap("a", "{k: v}");

        ClusterPlan plan = plan(List.of(a), live(a), revision(a));

        assertThat(plan.changes()).extracting(PlannedChange::action).containsExactly(ChangeAction.UNCHANGED);
        assertThat(plan.hasChanges()).isFalse();
    }

    @Test
    void aRemovedFieldCountsAsAChangeAndShowsInTheDiff() {
        ObjectNode before = configMap("a", "{k: v, gone: x}");
        ObjectNode after = configMap("a", "{k: v}");

        ClusterPlan plan = plan(List.of(after), live(before), revision(before));

        PlannedChange change = plan.changes().get(0);
        assertThat(change.action()).isEqualTo(ChangeAction.UPDATE);
        assertThat(change.diff()).contains("-  gone: x").doesNotContain("resourceVersion", "applied-hash");
    }

    @Test
    void secretsAreComparedButTheirContentNeverReachesThePlan() {
        ObjectNode before = AppliedHash.stamp(yaml("""
                apiVersion: v1
                kind: Secret
                metadata: {name: db, namespace: shop}
                stringData: {password: hunter2}
                """));
        ObjectNode after = AppliedHash.stamp(yaml("""
                apiVersion: v1
                kind: Secret
                metadata: {name: db, namespace: shop}
                stringData: {password: correct-horse}
                """));

        ClusterPlan plan = plan(List.of(after), live(before), revision(before));
        String text = new Plan("shop", "production", List.of(plan)).describe(false);

        assertThat(plan.changes().get(0).action()).isEqualTo(ChangeAction.UPDATE);
        assertThat(plan.changes().get(0).diff()).isEmpty();
        assertThat(text).contains("Secret (secret, changed)").doesNotContain("hunter2", "correct-horse", "db");
    }

    @Test
    void objectsOfThePreviousRevisionNoLongerDeclaredArePrunedOnlyWhenTheyCarryOurLabels() {
        ObjectNode kept = configMap("kept", "{k: v}");
        ObjectNode dropped = configMap("dropped", "{k: v}");
        ObjectNode adopted = configMap("adopted", "{k: v}");
        Map<ObjectRef, ObjectNode> live = live(kept, dropped, adopted);
        ((ObjectNode) live.get(ObjectRef.of(adopted)).path("metadata").path("labels")).remove("slipway.dev/env");

        ClusterPlan plan = plan(List.of(kept), live, revision(kept, dropped, adopted));

        assertThat(plan.changes())
                .filteredOn(c -> c.action() == ChangeAction.DELETE)
                .extracting(c -> c.ref().name())
                .containsExactly("dropped");
    }

    @Test
    void withoutARecordedVersionTheDiffIsAgainstTheLiveObject() {
        ObjectNode live = configMap("a", "{k: old}");
        ObjectNode desired = configMap("a", "{k: new}");

        ClusterPlan plan = plan(List.of(desired), live(live), Optional.empty());

        assertThat(plan.changes().get(0).diff()).contains("-  k: old", "+  k: new");
    }
}
