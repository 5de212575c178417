package dev.slipway.server.console;

import dev.slipway.api.Deploy;
import dev.slipway.api.Rollout;
import java.util.List;
import java.util.Optional;

/**
 * An environment: its cluster group's picture, its rollout (with the steps as a timeline, and the charts of the
 * windows its controller judged) and its deploy history, newest first.
 *
 * @param refreshMillis how often the page's script fetches the rollout section again (the analysis interval,
 *     within bounds)
 */
public record EnvironmentPage(
        String app,
        String environment,
        String group,
        String namespace,
        Optional<GroupPicture> picture,
        Optional<Rollout> rollout,
        Optional<RolloutCharts> charts,
        long refreshMillis,
        List<Deploy> deploys) {
    public EnvironmentPage {
        deploys = List.copyOf(deploys);
    }

    /** The environment page's path. */
    public String path() {
        return "/apps/" + app + "/environments/" + environment;
    }
}
