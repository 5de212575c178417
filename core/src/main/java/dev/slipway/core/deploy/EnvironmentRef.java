package dev.slipway.core.deploy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.EnvironmentSpec;
import java.util.Objects;
import java.util.Optional;

/**
 * Which environment an {@link EnvironmentBackend} acts on: one the app declares, or a review lab with its own name
 * and namespace in the app's lab group.
 *
 * @param app app name
 * @param environment the environment's name, under which revisions and labels are recorded
 * @param group its cluster group, when known (a backend with clusters refuses an environment without one)
 * @param namespace its namespace on every cluster
 * @param lab the lab's slug (its name in host names), when the environment is a review lab
 */
public record EnvironmentRef(
        String app, String environment, Optional<String> group, String namespace, Optional<String> lab) {

    public EnvironmentRef {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(lab, "lab");
    }

    /** An environment {@code app}'s slipway.yaml declares. */
    public static EnvironmentRef declared(App app, String environment) {
        EnvironmentSpec spec = app.spec()
                .environment(environment)
                .orElseThrow(() -> new InvalidInputException(Problem.at(
                        app.spec().source(),
                        "app " + app.spec().app() + " has no environment '" + environment + "'",
                        "use one of " + app.spec().environments().keySet())));
        return new EnvironmentRef(
                app.spec().app(), environment, Optional.of(spec.group()), spec.namespace(), Optional.empty());
    }

    /** A review lab: its own environment name and namespace, in the app's lab group (if it has one). */
    public static EnvironmentRef lab(
            String app, String environment, Optional<String> group, String namespace, String slug) {
        return new EnvironmentRef(app, environment, group, namespace, Optional.of(slug));
    }

    public AppEnvironment on() {
        return new AppEnvironment(app, environment, namespace);
    }
}
