package dev.slipway.server.console;

import java.util.Optional;

/**
 * What every console page's frame shows: its title and who is looking (absent on the login page).
 *
 * @param flash a one-line outcome of the action that led here ("rollout aborted"), if any
 * @param error what went wrong with it, if anything
 */
public record Page(String title, Optional<Viewer> viewer, Optional<String> flash, Optional<String> error) {
    public static Page of(String title, Viewer viewer) {
        return new Page(title, Optional.of(viewer), Optional.empty(), Optional.empty());
    }

    public Page withFlash(Optional<String> flash) {
        return new Page(title, viewer, flash, error);
    }

    public Page withError(String error) {
        return new Page(title, viewer, flash, Optional.of(error));
    }
}
