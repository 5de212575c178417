package dev.slipway.kube;

import dev.slipway.core.Labels;
import dev.slipway.core.deploy.AppEnvironment;
import dev.slipway.core.revision.Revision;
import dev.slipway.core.revision.RevisionCodec;
import dev.slipway.core.revision.RevisionOutcome;
import dev.slipway.core.revision.RevisionSummary;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Revisions kept in the cluster as one Secret each (the way Helm keeps releases): a Secret because the
 * rendered objects include the app's Secrets. What history lists sits in labels and annotations so listing
 * never decodes the payload.
 */
final class RevisionSecrets {
    static final String TYPE = "slipway.dev/revision.v1";
    static final String REVISION_LABEL = "slipway.dev/revision";
    static final String OUTCOME_LABEL = "slipway.dev/outcome";
    static final String OWNER_LABEL = "slipway.dev/revision-of";
    static final String REF_ANNOTATION = "slipway.dev/ref";
    static final String WHO_ANNOTATION = "slipway.dev/deployed-by";
    static final String WHEN_ANNOTATION = "slipway.dev/deployed-at";
    static final String ROLLBACK_ANNOTATION = "slipway.dev/rollback-of";
    static final String COUNT_ANNOTATION = "slipway.dev/object-count";
    static final String FAILURE_ANNOTATION = "slipway.dev/failure";
    /** The group deploy (or rollback) the revision belongs to; absent on revisions older than release ids. */
    static final String RELEASE_ANNOTATION = "slipway.dev/release";

    /** The track the revision wrote, in an environment with a rollout; absent for in-place deploys. */
    static final String TRACK_ANNOTATION = dev.slipway.core.rollout.Track.LABEL;
    /** Annotations share a 256 KiB budget per object; a failure message is for people, so a line suffices. */
    private static final int FAILURE_LIMIT = 1000;

    static final String PAYLOAD_KEY = "revision";

    private final KubernetesClient client;

    RevisionSecrets(KubernetesClient client) {
        this.client = client;
    }

    static String secretName(AppEnvironment scope, int number) {
        return "slipway.revision." + scope.app() + "." + scope.environment() + ".v" + number;
    }

    /** Label value tying revision Secrets to their app/env; distinct from the ownership labels prune reads. */
    static String owner(AppEnvironment scope) {
        return scope.app() + "." + scope.environment();
    }

    List<RevisionSummary> list(AppEnvironment scope) {
        return client
                .secrets()
                .inNamespace(scope.namespace())
                .withLabel(OWNER_LABEL, owner(scope))
                .list()
                .getItems()
                .stream()
                .filter(s -> TYPE.equals(s.getType()))
                .map(RevisionSecrets::summary)
                .sorted(Comparator.comparingInt(RevisionSummary::number).reversed())
                .toList();
    }

    Optional<Revision> read(AppEnvironment scope, int number) {
        Secret secret = client.secrets()
                .inNamespace(scope.namespace())
                .withName(secretName(scope, number))
                .get();
        if (secret == null || secret.getData() == null || !secret.getData().containsKey(PAYLOAD_KEY)) {
            return Optional.empty();
        }
        return Optional.of(
                RevisionCodec.decode(Base64.getDecoder().decode(secret.getData().get(PAYLOAD_KEY))));
    }

    void write(AppEnvironment scope, Revision revision) {
        RevisionSummary s = revision.summary();
        Map<String, String> annotations = new HashMap<>();
        annotations.put(REF_ANNOTATION, s.ref());
        annotations.put(WHO_ANNOTATION, s.who());
        annotations.put(WHEN_ANNOTATION, s.when().toString());
        annotations.put(COUNT_ANNOTATION, String.valueOf(s.objectCount()));
        s.rollbackOf().ifPresent(n -> annotations.put(ROLLBACK_ANNOTATION, String.valueOf(n)));
        if (!s.release().isEmpty()) {
            annotations.put(RELEASE_ANNOTATION, s.release());
        }
        s.track().ifPresent(t -> annotations.put(TRACK_ANNOTATION, t.label()));
        if (!s.failure().isEmpty()) {
            annotations.put(
                    FAILURE_ANNOTATION,
                    s.failure().length() > FAILURE_LIMIT
                            ? s.failure().substring(0, FAILURE_LIMIT) + "..."
                            : s.failure());
        }
        Secret secret = new SecretBuilder()
                .withNewMetadata()
                .withName(secretName(scope, s.number()))
                .withNamespace(scope.namespace())
                .withLabels(Map.of(
                        OWNER_LABEL,
                        owner(scope),
                        REVISION_LABEL,
                        String.valueOf(s.number()),
                        OUTCOME_LABEL,
                        s.outcome().label(),
                        Labels.MANAGED_BY,
                        Labels.MANAGED_BY_SLIPWAY))
                .withAnnotations(annotations)
                .endMetadata()
                .withType(TYPE)
                .withImmutable(true)
                .withData(Map.of(PAYLOAD_KEY, Base64.getEncoder().encodeToString(RevisionCodec.encode(revision))))
                .build();
        client.secrets().inNamespace(scope.namespace()).resource(secret).create();
    }

    void delete(AppEnvironment scope, int number) {
        client.secrets()
                .inNamespace(scope.namespace())
                .withName(secretName(scope, number))
                .delete();
    }

    private static RevisionSummary summary(Secret secret) {
        Map<String, String> labels = secret.getMetadata().getLabels();
        Map<String, String> annotations = secret.getMetadata().getAnnotations() == null
                ? Map.of()
                : secret.getMetadata().getAnnotations();
        String rollback = annotations.get(ROLLBACK_ANNOTATION);
        return new RevisionSummary(
                Integer.parseInt(labels.get(REVISION_LABEL)),
                annotations.getOrDefault(REF_ANNOTATION, ""),
                annotations.getOrDefault(WHO_ANNOTATION, ""),
                Instant.parse(annotations.getOrDefault(WHEN_ANNOTATION, Instant.EPOCH.toString())),
                RevisionOutcome.valueOf(
                        labels.getOrDefault(OUTCOME_LABEL, "failed").toUpperCase(java.util.Locale.ROOT)),
                rollback == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(rollback)),
                Integer.parseInt(annotations.getOrDefault(COUNT_ANNOTATION, "0")),
                annotations.getOrDefault(FAILURE_ANNOTATION, ""),
                annotations.getOrDefault(RELEASE_ANNOTATION, ""),
                dev.slipway.core.rollout.Track.ofLabel(annotations.getOrDefault(TRACK_ANNOTATION, "")));
    }
}
