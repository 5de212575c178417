package dev.slipway.server.console;

import dev.slipway.store.AuditEntry;
import java.util.List;
import java.util.Optional;

/**
 * A page of the audit log under the filters as typed (empty: no filter).
 *
 * @param next the query string of the next (older) page, when there may be one
 * @param newer the query string of the page of newer entries, when this page is not the newest
 * @param newest the query string of the newest page under the same filters, when this page is not it
 */
public record AuditPage(
        List<AuditEntry> entries,
        String actor,
        String app,
        String action,
        String since,
        Optional<String> next,
        Optional<String> newer,
        Optional<String> newest) {
    public AuditPage {
        entries = List.copyOf(entries);
    }
}
