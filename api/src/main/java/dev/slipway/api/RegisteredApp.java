package dev.slipway.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An app registered with the server ({@code GET /api/apps/{app}}, the OpenAPI document's {@code App}): where the
 * server reads its slipway.yaml, and the environments it found there.
 *
 * @param directory the app's directory on the server's machine
 * @param labTtl how long its labs live after their last deploy, as {@code 24h}
 * @param labGroup the cluster group its labs go to, when not the server's choice
 */
public record RegisteredApp(
        String name,
        String directory,
        String labTtl,
        String registeredBy,
        Instant registeredAt,
        Optional<String> labGroup,
        List<AppEnvironment> environments) {

    public RegisteredApp {
        environments = List.copyOf(environments);
    }

    /** One environment of a registered app: the cluster group it deploys to and its namespace there. */
    public record AppEnvironment(String name, String group, String namespace) {}
}
