package dev.slipway.core.deploy;

import java.util.Locale;
import java.util.Objects;

/**
 * Which release a rollback restores. Whatever is named, the target is one release of the whole group: the same
 * deploy's objects on every cluster, never each cluster's own idea of "previous".
 */
public sealed interface RollbackTo {

    /**
     * The newest release other than the newest deploy's that succeeded on every cluster of the group (a cluster the
     * newest deploy never reached still holds it).
     */
    static RollbackTo previous() {
        return new Previous();
    }

    /** Revision {@code number} on every cluster; every cluster's revision of that number must be the same release. */
    static RollbackTo revision(int number) {
        return new Number(number);
    }

    /** The release whose id is or starts with {@code id} (see {@code slipway history}); a prefix must be unique. */
    static RollbackTo release(String id) {
        return new Release(id.toLowerCase(Locale.ROOT));
    }

    /** See {@link #previous()}. */
    record Previous() implements RollbackTo {}

    /** See {@link #revision(int)}. */
    record Number(int number) implements RollbackTo {}

    /** See {@link #release(String)}. */
    record Release(String id) implements RollbackTo {
        public Release {
            Objects.requireNonNull(id, "id");
            if (id.isEmpty()) {
                throw new IllegalArgumentException("a release id must not be empty");
            }
        }
    }
}
