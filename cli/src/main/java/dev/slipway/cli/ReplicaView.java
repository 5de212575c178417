package dev.slipway.cli;

import dev.slipway.local.LocalSession;
import dev.slipway.local.ReplicaStatus;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code slipway up} shows its app's replicas as they change: the status table redrawn in place in a terminal,
 * else one line per replica whose state changed.
 */
final class ReplicaView implements LocalSession.StatusView {
    private final PrintWriter out;
    private final LiveRegion live;
    private final Map<String, String> shown = new LinkedHashMap<>();

    /** @param live the terminal's live region, or null when the output is not a terminal */
    ReplicaView(PrintWriter out, LiveRegion live) {
        this.out = out;
        this.live = live;
    }

    @Override
    public void show(List<ReplicaStatus> status, String url) {
        Map<String, String> now = new LinkedHashMap<>();
        status.forEach(s -> now.put(
                s.id().shortName() + " rev " + s.id().rev(),
                s.phase().name().toLowerCase() + " port " + s.port() + " restarts " + s.restarts()));
        synchronized (out) {
            if (now.equals(shown)) {
                return;
            }
            if (live != null) {
                live.show(StatusTable.render(status, url));
            } else {
                now.forEach((k, v) -> {
                    if (!v.equals(shown.get(k))) {
                        out.println("status: " + k + " " + v);
                    }
                });
            }
            out.flush();
            shown.clear();
            shown.putAll(now);
        }
    }
}
