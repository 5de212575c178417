package dev.slipway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.function.Function;

/** What the stand-in controller makes of a workload, so tests can stage successes, failures and hangs. */
public enum WorkloadOutcome {
    /** Becomes ready (rollout complete, job succeeded, volume bound, endpoints ready). */
    READY,
    /** Fails the way Kubernetes reports it (progress deadline exceeded, job failed). */
    FAIL,
    /** Never becomes ready and never fails: only a timeout ends the wait. */
    HANG;

    /** Annotation on an object (or its pod template) choosing its outcome: {@code ready}, {@code fail}, {@code hang}. */
    public static final String ANNOTATION = "testkit.slipway.dev/outcome";

    /**
     * The default rule: the {@link #ANNOTATION} on the object or its pod template, else an image tag of
     * {@code :fail} or {@code :hang}, else {@link #READY}.
     */
    public static final Function<JsonNode, WorkloadOutcome> BY_ANNOTATION_OR_IMAGE = WorkloadOutcome::decide;

    private static WorkloadOutcome decide(JsonNode object) {
        for (JsonNode annotations : new JsonNode[] {
            object.path("metadata").path("annotations"),
            object.path("spec").path("template").path("metadata").path("annotations")
        }) {
            JsonNode value = annotations.path(ANNOTATION);
            if (value.isTextual()) {
                return valueOf(value.asText().toUpperCase(Locale.ROOT));
            }
        }
        for (JsonNode container :
                object.path("spec").path("template").path("spec").path("containers")) {
            String image = container.path("image").asText("");
            if (image.endsWith(":fail")) {
                return FAIL;
            }
            if (image.endsWith(":hang")) {
                return HANG;
            }
        }
        return READY;
    }
}
