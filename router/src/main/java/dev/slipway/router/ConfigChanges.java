package dev.slipway.router;

import dev.slipway.router.RouterConfig.Backend;
import dev.slipway.router.RouterConfig.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What a reload changed, in words for its log line: routes and backends added, removed or changed, and stages. */
final class ConfigChanges {
    private ConfigChanges() {}

    /** E.g. {@code route web: stage off → percent 10; backend web-canary added (2 endpoints)}, or {@code no change}. */
    static String describe(RouterConfig before, RouterConfig after) {
        List<String> changes = new ArrayList<>();
        Map<String, Route> oldRoutes = byName(before.routes());
        Map<String, Route> newRoutes = byName(after.routes());
        for (Route r : after.routes()) {
            Route old = oldRoutes.get(r.name());
            if (old == null) {
                changes.add("route " + r.name() + " added (to " + r.backend() + ")");
            } else if (!old.equals(r)) {
                changes.add("route " + r.name() + ": " + routeChange(old, r));
            }
        }
        for (Route r : before.routes()) {
            if (!newRoutes.containsKey(r.name())) {
                changes.add("route " + r.name() + " removed");
            }
        }
        // RouterConfig keeps backends in a map without order: by name, so a line reads the same every time.
        for (Backend b : new java.util.TreeMap<>(after.backends()).values()) {
            Backend old = before.backends().get(b.name());
            if (old == null) {
                changes.add("backend " + b.name() + " added (" + endpoints(b) + " endpoints)");
            } else if (!old.equals(b)) {
                changes.add("backend " + b.name() + ": " + backendChange(old, b));
            }
        }
        for (Backend b : new java.util.TreeMap<>(before.backends()).values()) {
            if (!after.backends().containsKey(b.name())) {
                changes.add("backend " + b.name() + " removed");
            }
        }
        if (!before.limits().equals(after.limits())) {
            changes.add("limits changed");
        }
        if (!before.retries().equals(after.retries())) {
            changes.add("retries changed");
        }
        if (!before.telemetry().equals(after.telemetry())) {
            changes.add("access log or tracing changed");
        }
        if (!before.site().equals(after.site())) {
            changes.add("site " + before.site().orElse("(none)") + " → "
                    + after.site().orElse("(none)"));
        }
        return changes.isEmpty() ? "no change" : String.join("; ", changes);
    }

    private static String routeChange(Route old, Route r) {
        List<String> parts = new ArrayList<>();
        String oldStage = old.migration().map(m -> m.stage().describe()).orElse("off");
        String newStage = r.migration().map(m -> m.stage().describe()).orElse("off");
        if (!oldStage.equals(newStage)) {
            parts.add("stage " + oldStage + " → " + newStage);
        }
        if (!Objects.equals(
                old.migration().map(RouterConfig.Migration::to), r.migration().map(RouterConfig.Migration::to))) {
            parts.add("migration target "
                    + old.migration().map(RouterConfig.Migration::to).orElse("(none)") + " → "
                    + r.migration().map(RouterConfig.Migration::to).orElse("(none)"));
        }
        if (!old.backend().equals(r.backend())) {
            parts.add("backend " + old.backend() + " → " + r.backend());
        }
        if (!old.timeout().equals(r.timeout())) {
            parts.add("timeout " + Exchange.human(old.timeout()) + " → " + Exchange.human(r.timeout()));
        }
        if (!old.stickiness().equals(r.stickiness())) {
            parts.add("sticky by " + r.stickiness().describe());
        }
        if (!old.host().equals(r.host()) || !old.pathPrefix().equals(r.pathPrefix())) {
            parts.add("now matches " + r.host().orElse("*") + r.pathPrefix());
        }
        return parts.isEmpty() ? "changed" : String.join(", ", parts);
    }

    private static String backendChange(Backend old, Backend b) {
        int before = endpoints(old);
        int after = endpoints(b);
        List<String> parts = new ArrayList<>();
        if (before != after) {
            parts.add("endpoints " + before + " → " + after);
        } else if (!old.clusters().equals(b.clusters())) {
            parts.add("clusters or weights changed");
        }
        if (!old.healthCheck().equals(b.healthCheck())
                || !old.outlierDetection().equals(b.outlierDetection())) {
            parts.add("health checking changed");
        }
        if (old.failoverBelow() != b.failoverBelow()) {
            parts.add("failoverBelow " + old.failoverBelow() + " → " + b.failoverBelow());
        }
        return parts.isEmpty() ? "changed" : String.join(", ", parts);
    }

    private static int endpoints(Backend b) {
        return b.clusters().stream().mapToInt(c -> c.endpoints().size()).sum();
    }

    private static Map<String, Route> byName(List<Route> routes) {
        Map<String, Route> m = new java.util.HashMap<>();
        routes.forEach(r -> m.put(r.name(), r));
        return m;
    }
}
