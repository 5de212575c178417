package dev.slipway.core.spec;

import dev.slipway.core.SourceLocation;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A simple service declared in {@code slipway.yaml}, which Slipway turns into a Deployment and a Service on
 * clusters and into local processes for {@code slipway up}.
 *
 * @param name RFC 1123 label
 * @param image container image; empty when the service only runs locally
 * @param run local command line (run by a shell in the app directory); empty when only an image is given
 * @param port the port the service listens on ({@code PORT} is set to it)
 * @param healthPath HTTP path answering 2xx when the service is ready
 * @param replicas desired replicas
 * @param timeout timeout of the service's route in the router; empty means the app's {@code routeTimeout}
 * @param env plain environment variables
 * @param secrets names of secrets (from {@code slipway secret set}) exposed as environment variables
 * @param resources requests and limits
 * @param source where the service was declared
 */
public record ServiceSpec(
        String name,
        Optional<String> image,
        Optional<String> run,
        int port,
        String healthPath,
        int replicas,
        Optional<Duration> timeout,
        Map<String, String> env,
        List<String> secrets,
        Resources resources,
        SourceLocation source) {

    public ServiceSpec {
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        secrets = List.copyOf(secrets);
    }

    /** Name of the Kubernetes Secret that holds a service's secret values on each cluster. */
    public static String secretObjectName(String serviceName) {
        return serviceName + "-secrets";
    }

    /** Whether Slipway renders Kubernetes objects for this service (only services with an image). */
    public boolean deploysToClusters() {
        return image.isPresent();
    }

    /**
     * Requests and limits in Kubernetes quantity syntax.
     *
     * @param cpuRequest e.g. {@code 100m}
     * @param memoryRequest e.g. {@code 128Mi}
     * @param cpuLimit e.g. {@code 500m}
     * @param memoryLimit e.g. {@code 256Mi}
     */
    public record Resources(String cpuRequest, String memoryRequest, String cpuLimit, String memoryLimit) {
        public static final Resources DEFAULT = new Resources("100m", "128Mi", "500m", "256Mi");
    }
}
