package dev.slipway.core.plan;

import dev.slipway.core.manifest.ObjectRef;
import java.util.Objects;

/**
 * What a deploy will do to one object on one cluster.
 *
 * @param ref the object
 * @param action create, update, delete (prune) or unchanged
 * @param secret the object is a Secret: its diff is never computed or shown, only {@code (secret, changed)}
 * @param diff unified diff of the YAML (live or last applied → desired) for updates of non-secrets, else ""
 */
public record PlannedChange(ObjectRef ref, ChangeAction action, boolean secret, String diff) {
    private static final java.util.Map<ChangeAction, String> SECRET_STATES = java.util.Map.of(
            ChangeAction.CREATE, "new",
            ChangeAction.UPDATE, "changed",
            ChangeAction.DELETE, "pruned",
            ChangeAction.UNCHANGED, "unchanged");

    public PlannedChange {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(diff, "diff");
        if (secret && !diff.isEmpty()) {
            throw new IllegalArgumentException("a secret's diff must never be kept");
        }
    }

    public static PlannedChange create(ObjectRef ref) {
        return new PlannedChange(ref, ChangeAction.CREATE, isSecret(ref), "");
    }

    public static PlannedChange update(ObjectRef ref, String diff) {
        boolean secret = isSecret(ref);
        return new PlannedChange(ref, ChangeAction.UPDATE, secret, secret ? "" : diff);
    }

    public static PlannedChange prune(ObjectRef ref) {
        return new PlannedChange(ref, ChangeAction.DELETE, isSecret(ref), "");
    }

    public static PlannedChange unchanged(ObjectRef ref) {
        return new PlannedChange(ref, ChangeAction.UNCHANGED, isSecret(ref), "");
    }

    /** Secrets are identified by kind in the core API group; their content never reaches a plan. */
    public static boolean isSecret(ObjectRef ref) {
        return ref.group().isEmpty() && ref.kind().equals("Secret");
    }

    /**
     * The one-line heading of this change, e.g. {@code ~ Deployment.apps/web (update)}. Secrets read
     * {@code Secret/<hidden> (secret, changed)}: their names are user data too.
     */
    public String headline() {
        if (secret) {
            String state = switch (action) {
                case CREATE -> "secret, new";
                case UPDATE -> "secret, changed";
                case DELETE -> "secret, pruned";
                case UNCHANGED -> "secret, unchanged";
            };
            return action.symbol() + " Secret (" + state + ")";
        }
        String k = ref.group().isEmpty() ? ref.kind() : ref.kind() + "." + ref.group();
        return action.symbol() + " " + k + "/" + ref.name() + " (" + action.verb() + ")";
    }
}
