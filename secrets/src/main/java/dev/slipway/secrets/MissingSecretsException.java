package dev.slipway.secrets;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Some requested secrets are not set. Says which by position in the request (1-based), never by name, so
 * callers that know more (the service that asked) can rephrase without leaking the name.
 */
public final class MissingSecretsException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final String app;
    private final int requested;
    private final List<Integer> missingPositions;

    MissingSecretsException(String app, int requested, List<Integer> missingIndexes) {
        super(new Problem(
                "app " + app,
                describe(requested, missingIndexes) + " in the secret store",
                "list what is set with `slipway secret list " + app + "` and add the rest with `slipway secret set "
                        + app + " NAME`"));
        this.app = app;
        this.requested = requested;
        this.missingPositions = missingIndexes.stream().map(i -> i + 1).collect(Collectors.toUnmodifiableList());
    }

    private static String describe(int requested, List<Integer> missingIndexes) {
        String positions = missingIndexes.stream().map(i -> "#" + (i + 1)).collect(Collectors.joining(", "));
        return (missingIndexes.size() == 1 ? "secret " : "secrets ") + positions + " of the " + requested
                + " requested " + (missingIndexes.size() == 1 ? "is" : "are") + " not set";
    }

    public String app() {
        return app;
    }

    public int requested() {
        return requested;
    }

    /** 1-based positions in the requested list. */
    public List<Integer> missingPositions() {
        return missingPositions;
    }
}
