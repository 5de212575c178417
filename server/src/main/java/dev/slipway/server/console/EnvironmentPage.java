package dev.slipway.server.console;

import dev.slipway.api.Deploy;
import dev.slipway.api.Rollout;
import java.util.List;
import java.util.Optional;

/**
 * An environment: its cluster group's picture, its rollout (with the steps as a timeline, and the charts of the
 * windows its controller judged) and its deploy history, newest first, {@link #HISTORY} a page.
 *
 * @param refreshMillis how often the page's script fetches the rollout section again (the analysis interval,
 *     within bounds)
 * @param before the deploy id this page of history lists deploys older than; empty: the newest page
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
        List<Deploy> deploys,
        Optional<Long> before) {
    /** Deploys on a page of the history. */
    public static final int HISTORY = 50;

    public EnvironmentPage {
        deploys = List.copyOf(deploys);
    }

    /** This page with another page of the deploy history. */
    public EnvironmentPage withHistory(List<Deploy> page, Optional<Long> olderThan) {
        return new EnvironmentPage(
                app, environment, group, namespace, picture, rollout, charts, refreshMillis, page, olderThan);
    }

    /** The link to the next page of older deploys, when this page is full. */
    public Optional<String> olderDeploys() {
        return deploys.size() < HISTORY
                ? Optional.empty()
                : Optional.of(
                        path() + "?before=" + deploys.get(deploys.size() - 1).id() + "#deploys");
    }

    /** The environment page's path. */
    public String path() {
        return "/apps/" + app + "/environments/" + environment;
    }
}
