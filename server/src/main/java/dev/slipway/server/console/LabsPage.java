package dev.slipway.server.console;

import dev.slipway.api.Lab;
import java.util.List;
import java.util.Optional;

/**
 * A page of live labs (a hundred at a time), optionally of one app.
 *
 * @param next the query string of the next page, when there may be one
 */
public record LabsPage(List<Lab> labs, String app, Optional<String> next) {
    public LabsPage {
        labs = List.copyOf(labs);
    }
}
