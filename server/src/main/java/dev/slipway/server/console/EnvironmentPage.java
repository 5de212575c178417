package dev.slipway.server.console;

import dev.slipway.api.Deploy;
import dev.slipway.api.Rollout;
import java.util.List;
import java.util.Optional;

/**
 * An environment: its cluster group's picture, its rollout (with the steps as a timeline) and its deploy
 * history, newest first.
 */
public record EnvironmentPage(
        String app,
        String environment,
        String group,
        String namespace,
        Optional<GroupPicture> picture,
        Optional<Rollout> rollout,
        List<Deploy> deploys) {
    public EnvironmentPage {
        deploys = List.copyOf(deploys);
    }

    /** The environment page's path. */
    public String path() {
        return "/apps/" + app + "/environments/" + environment;
    }
}
