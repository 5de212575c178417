package dev.slipway.core.plan;

import dev.slipway.core.manifest.ObjectRef;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What a deploy will do to one object on one cluster.
 *
 * @param ref the object
 * @param action create, update, repair (drifted), delete (prune) or unchanged
 * @param secret the object is a Secret: its diff is never computed or shown, only {@code (secret, changed)}
 * @param diff unified diff of the YAML (live or last applied → desired) for updates and repairs of
 *     non-secrets, else ""
 * @param drift the fields whose live value someone changed since Slipway applied them (for a Secret, their
 *     paths are hidden: key names are user data); empty when the object has not drifted
 */
public record PlannedChange(ObjectRef ref, ChangeAction action, boolean secret, String diff, List<DriftedField> drift) {
    /** Stands in for a Secret's field paths, which name its keys. */
    static final String HIDDEN_PATH = "(secret)";

    public PlannedChange {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(diff, "diff");
        if (secret && !diff.isEmpty()) {
            throw new IllegalArgumentException("a secret's diff must never be kept");
        }
        drift = secret
                ? drift.stream()
                        .map(f -> new DriftedField(HIDDEN_PATH, f.manager(), f.claimedByApplier()))
                        .toList()
                : List.copyOf(drift);
    }

    public PlannedChange(ObjectRef ref, ChangeAction action, boolean secret, String diff) {
        this(ref, action, secret, diff, List.of());
    }

    public static PlannedChange create(ObjectRef ref) {
        return new PlannedChange(ref, ChangeAction.CREATE, isSecret(ref), "");
    }

    public static PlannedChange update(ObjectRef ref, String diff) {
        return update(ref, diff, List.of());
    }

    /** An update of an object that has also drifted: applying it takes the drifted fields back too. */
    public static PlannedChange update(ObjectRef ref, String diff, List<DriftedField> drift) {
        boolean secret = isSecret(ref);
        return new PlannedChange(ref, ChangeAction.UPDATE, secret, secret ? "" : diff, drift);
    }

    /** An object the app did not change but someone changed live: re-applying it repairs the drift. */
    public static PlannedChange drifted(ObjectRef ref, String diff, List<DriftedField> drift) {
        if (drift.isEmpty()) {
            throw new IllegalArgumentException("a drifted object has drifted fields");
        }
        boolean secret = isSecret(ref);
        return new PlannedChange(ref, ChangeAction.DRIFTED, secret, secret ? "" : diff, drift);
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
     * Whether applying this change must force field ownership to repair drift: the drifted fields were taken
     * by imperative updates (which the API server lets Slipway take back only by forcing), and none is claimed
     * by another applier (that stays a conflict for the user to decide, with {@code --force-conflicts}).
     */
    public boolean repairsDrift() {
        return !drift.isEmpty() && drift.stream().noneMatch(DriftedField::claimedByApplier);
    }

    /**
     * The one-line heading of this change, e.g. {@code ~ Deployment.apps/web (update)} or {@code ~
     * Deployment.apps/web (drifted: .spec.replicas (kubectl-scale))}. Secrets read {@code Secret (secret,
     * changed)}: their names are user data too.
     */
    public String headline() {
        if (secret) {
            String state = switch (action) {
                case CREATE -> "secret, new";
                case UPDATE -> drift.isEmpty() ? "secret, changed" : "secret, changed and drifted";
                case DRIFTED -> "secret, drifted";
                case DELETE -> "secret, pruned";
                case UNCHANGED -> "secret, unchanged";
            };
            return action.symbol() + " Secret (" + state + ")";
        }
        String k = ref.group().isEmpty() ? ref.kind() : ref.kind() + "." + ref.group();
        String head = action.symbol() + " " + k + "/" + ref.name() + " (" + action.verb();
        if (!drift.isEmpty()) {
            String fields = drift.stream().map(DriftedField::describe).collect(Collectors.joining(", "));
            head += action == ChangeAction.DRIFTED ? ": " + fields : ", drifted: " + fields;
        }
        return head + ")";
    }
}
