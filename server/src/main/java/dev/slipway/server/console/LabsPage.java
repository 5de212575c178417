package dev.slipway.server.console;

import dev.slipway.api.Lab;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A page of live labs ({@code pageSize} at a time, soonest expiry first), optionally of one app.
 *
 * @param offset how many labs come before this page
 * @param total how many live labs there are (of the app, when one is given)
 */
public record LabsPage(List<Lab> labs, String app, int offset, int total, int pageSize) {
    public LabsPage {
        labs = List.copyOf(labs);
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be positive");
        }
    }

    /** The position of the first lab shown (1-based), 0 when none is. */
    public int from() {
        return labs.isEmpty() ? 0 : offset + 1;
    }

    /** The position of the last lab shown. */
    public int to() {
        return offset + labs.size();
    }

    /** The query string of the first page, unless this is it. */
    public Optional<String> first() {
        return offset > 0 ? Optional.of(query(0)) : Optional.empty();
    }

    /** The query string of the page before this one, if any (the last page when this one is past the end). */
    public Optional<String> previous() {
        return offset > 0 ? Optional.of(query(Math.min(offset - pageSize, lastOffset()))) : Optional.empty();
    }

    /** The query string of the page after this one, if there are more labs. */
    public Optional<String> next() {
        return offset + pageSize < total ? Optional.of(query(offset + pageSize)) : Optional.empty();
    }

    /** The query string of the last page, unless this is it. */
    public Optional<String> last() {
        return offset < lastOffset() ? Optional.of(query(lastOffset())) : Optional.empty();
    }

    private int lastOffset() {
        return total == 0 ? 0 : (total - 1) / pageSize * pageSize;
    }

    private String query(int at) {
        String appPart = app.isEmpty() ? "" : "app=" + URLEncoder.encode(app, StandardCharsets.UTF_8) + "&";
        return appPart + "offset=" + Math.max(0, at);
    }
}
