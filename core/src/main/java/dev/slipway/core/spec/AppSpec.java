package dev.slipway.core.spec;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.manifest.KubernetesNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code slipway.yaml} says about an app.
 *
 * @param app app name (RFC 1123 label); the {@code app.kubernetes.io/name} of everything Slipway applies
 * @param manifests folder of Kubernetes YAML relative to the app directory, if any
 * @param environments by name, in file order
 * @param routeTimeout default timeout of the app's routes in the router
 * @param services simple services Slipway renders itself
 * @param source the slipway.yaml file (or the app directory when there is none)
 */
public record AppSpec(
        String app,
        Optional<Path> manifests,
        Map<String, EnvironmentSpec> environments,
        Duration routeTimeout,
        List<ServiceSpec> services,
        SourceLocation source) {

    public static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(10);

    public AppSpec {
        environments = Collections.unmodifiableMap(new LinkedHashMap<>(environments));
        services = List.copyOf(services);
    }

    /** The timeout of {@code service}'s route: its own {@code timeout}, else the app's {@code routeTimeout}. */
    public Duration routeTimeout(ServiceSpec service) {
        return service.timeout().orElse(routeTimeout);
    }

    public Optional<EnvironmentSpec> environment(String name) {
        return Optional.ofNullable(environments.get(name));
    }

    /**
     * The environment {@code --env name} selects. An app that declares no environments (e.g. one without
     * slipway.yaml) has an implicit one per cluster group: same name, namespace named after the app.
     *
     * @throws InvalidInputException for an undeclared environment, listing the declared ones
     */
    public EnvironmentSpec resolveEnvironment(String name) {
        if (environments.isEmpty()) {
            KubernetesNames.labelError(name).ifPresent(why -> {
                throw new InvalidInputException(new Problem(
                        "--env",
                        "environment name '" + name + "' " + why,
                        "name a cluster group of the clusters file"));
            });
            return new EnvironmentSpec(name, name, app, source);
        }
        return environment(name)
                .orElseThrow(() -> new InvalidInputException(Problem.at(
                        source,
                        "unknown environment '" + name + "'; this app declares: "
                                + String.join(", ", environments.keySet()),
                        "pass one of those with --env, or add '" + name + "' under environments: in "
                                + source.file())));
    }
}
