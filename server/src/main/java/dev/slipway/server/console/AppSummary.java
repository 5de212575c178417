package dev.slipway.server.console;

import dev.slipway.api.Deploy;
import dev.slipway.api.Rollout;
import java.util.List;
import java.util.Optional;

/** An app on the overview: each environment with its last deploy and its rollout, if any. */
public record AppSummary(String name, List<EnvironmentSummary> environments) {
    public AppSummary {
        environments = List.copyOf(environments);
    }

    /** One environment of the app on the overview. */
    public record EnvironmentSummary(
            String name, String group, String namespace, Optional<Deploy> lastDeploy, Optional<Rollout> rollout) {}
}
