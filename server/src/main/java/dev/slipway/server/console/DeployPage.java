package dev.slipway.server.console;

import dev.slipway.api.Deploy;
import java.util.List;

/**
 * A deploy and its log so far; while it runs the page follows the rest live (server-sent events from
 * {@link #stream()}, starting after the last line shown).
 */
public record DeployPage(Deploy deploy, List<String> lines, int lastLine) {
    public DeployPage {
        lines = List.copyOf(lines);
    }

    /** The log's event stream, from the line after the ones on the page. */
    public String stream() {
        return "/deploys/" + deploy.id() + "/log?after=" + lastLine;
    }
}
