package dev.slipway.cli;

import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.HealthState;
import dev.slipway.core.deploy.ObjectHealth;
import dev.slipway.core.deploy.RollbackPlan;
import dev.slipway.core.manifest.ObjectRef;
import dev.slipway.core.plan.ClusterPlan;
import dev.slipway.core.plan.PlannedChange;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Help.Ansi;

/**
 * Shows a deploy as it happens. On a terminal: one live line per cluster (what it is doing, which object it
 * waits for), redrawn in place. Elsewhere (CI logs, pipes): one plain line per event, never redrawn.
 *
 * <p>Thread-safe: parallel groups report from one thread per cluster.
 */
final class ProgressDisplay implements DeployListener {
    private final PrintWriter out;
    private final boolean live;
    private final Ansi ansi;
    private final Clock clock;
    private final Map<String, ClusterLine> lines = new LinkedHashMap<>();
    private int drawnLines;
    private RollbackPlan rollback;

    private ProgressDisplay(PrintWriter out, boolean live, Ansi ansi, Clock clock, List<String> clusters) {
        this.out = out;
        this.live = live;
        this.ansi = ansi;
        this.clock = clock;
        clusters.forEach(c -> lines.put(c, new ClusterLine(c)));
    }

    /** Redrawn status lines, for a person watching a terminal. */
    static ProgressDisplay live(PrintWriter out, Ansi ansi, Clock clock, List<String> clusters) {
        return new ProgressDisplay(out, true, ansi, clock, clusters);
    }

    /** Append-only lines, for logs. */
    static ProgressDisplay plain(PrintWriter out, Ansi ansi, Clock clock, List<String> clusters) {
        return new ProgressDisplay(out, false, ansi, clock, clusters);
    }

    synchronized void start() {
        if (live) {
            redraw();
        }
    }

    /** Printed once, above the live lines, before anything is written: each cluster's target. */
    @Override
    public synchronized void rollingBack(RollbackPlan plan) {
        rollback = plan;
        StringBuilder sb = new StringBuilder();
        if (live && drawnLines > 0) {
            // Up over the live block and clear it; it is drawn again below the plan.
            sb.append("\u001b[").append(drawnLines).append('A').append("\r\u001b[J");
            drawnLines = 0;
        }
        sb.append("Target: release ").append(plan.release()).append(" on every cluster\n");
        plan.lines().forEach(line -> sb.append("  ").append(line).append('\n'));
        out.print(sb);
        if (live) {
            redraw();
        }
        out.flush();
    }

    /** The rollback plan this display was shown, if it was. */
    synchronized Optional<RollbackPlan> rollback() {
        return Optional.ofNullable(rollback);
    }

    @Override
    public synchronized void clusterStarted(ClusterPlan plan) {
        ClusterLine line = line(plan.cluster());
        line.started = clock.instant();
        line.toWrite = plan.writes().size() + (plan.namespaceExists() ? 0 : 1);
        line.total = plan.changes().size();
        line.phase = plan.hasChanges() ? "applying" : "checking";
        if (live) {
            redraw();
        } else {
            out.println(plan.cluster() + ": " + (plan.hasChanges() ? plan.summary() : "no changes"));
        }
    }

    @Override
    public synchronized void applied(String cluster, PlannedChange change) {
        ClusterLine line = line(cluster);
        line.written++;
        if (live) {
            redraw();
        } else {
            out.println(cluster + ": " + paint(change.headline(), colorOf(change)));
        }
    }

    @Override
    public synchronized void pruned(String cluster, ObjectRef ref) {
        ClusterLine line = line(cluster);
        line.written++;
        if (live) {
            redraw();
        } else {
            out.println(cluster + ": " + paint(PlannedChange.prune(ref).headline(), "red"));
        }
    }

    @Override
    public synchronized void health(String cluster, ObjectHealth health) {
        ClusterLine line = line(cluster);
        line.phase = "waiting";
        HealthState before = line.health.put(health.ref(), health.state());
        if (health.state() != HealthState.HEALTHY) {
            line.waitingFor = health;
        } else if (line.waitingFor != null && line.waitingFor.ref().equals(health.ref())) {
            line.waitingFor = null;
        }
        if (live) {
            redraw();
        } else if (before != health.state() || health.state() != HealthState.HEALTHY) {
            String state = paint(health.state().label(), health.state() == HealthState.FAILED ? "red" : "faint");
            out.println(cluster + ": " + name(health.ref()) + " " + state
                    + (health.message().isEmpty() ? "" : ": " + health.message()));
        }
    }

    @Override
    public synchronized void clusterFinished(ClusterResult result) {
        ClusterLine line = line(result.cluster());
        line.result = result;
        line.waitingFor = null;
        if (line.started != null) {
            line.took = Duration.between(line.started, clock.instant());
        }
        if (live) {
            redraw();
        } else {
            out.println(line.render());
        }
    }

    /** Leaves the live block as it stands, so the summary prints below it. */
    synchronized void finish() {
        out.flush();
    }

    private ClusterLine line(String cluster) {
        return lines.computeIfAbsent(cluster, ClusterLine::new);
    }

    private void redraw() {
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append("\u001b[").append(drawnLines).append('A');
        }
        for (ClusterLine line : lines.values()) {
            sb.append('\r').append("\u001b[2K").append(line.render()).append('\n');
        }
        drawnLines = lines.size();
        out.print(sb);
        out.flush();
    }

    private String paint(String text, String style) {
        return ansi.string("@|" + style + " " + text.replace("|@", "| @") + "|@");
    }

    private static String colorOf(PlannedChange change) {
        return switch (change.action()) {
            case CREATE -> "green";
            case DELETE -> "red";
            case UPDATE, DRIFTED -> "yellow";
            case UNCHANGED -> "faint";
        };
    }

    private static String name(ObjectRef ref) {
        String kind = ref.group().isEmpty() ? ref.kind() : ref.kind() + "." + ref.group();
        return PlannedChange.isSecret(ref) ? "Secret (secret)" : kind + "/" + ref.name();
    }

    /** The state of one cluster's deploy as its line shows it. */
    private final class ClusterLine {
        final String cluster;
        final Map<ObjectRef, HealthState> health = new HashMap<>();
        String phase = "waiting for its turn";
        int toWrite;
        int written;
        int total;
        ObjectHealth waitingFor;
        Instant started;
        Duration took;
        ClusterResult result;

        ClusterLine(String cluster) {
            this.cluster = cluster;
        }

        String render() {
            String head = ansi.string("@|bold " + cluster + "|@") + ": ";
            if (result != null) {
                String time = took == null ? "" : " in " + seconds(took);
                return head
                        + switch (result.outcome()) {
                            case DEPLOYED ->
                                paint("✓ deployed", "green") + revision() + " (" + written + " written" + time + ")";
                            case UNCHANGED ->
                                paint("✓ unchanged", "green") + revision() + " (nothing written" + time + ")";
                            case FAILED ->
                                paint("✗ failed", "red,bold") + ": "
                                        + result.failure()
                                                .map(f -> f.object()
                                                                .map(o -> name(o) + ": ")
                                                                .orElse("")
                                                        + f.message())
                                                .orElse("");
                            case NOT_STARTED -> paint("– not started (keeps its previous revision)", "faint");
                        };
            }
            if (started == null) {
                return head + paint(phase, "faint");
            }
            if (phase.equals("applying")) {
                return head + "applying " + written + "/" + toWrite;
            }
            long healthy = health.values().stream()
                    .filter(s -> s == HealthState.HEALTHY)
                    .count();
            StringBuilder sb = new StringBuilder(head).append(phase);
            if (!health.isEmpty()) {
                sb.append(" for health ").append(healthy).append('/').append(health.size());
            }
            if (waitingFor != null) {
                sb.append(" · ").append(name(waitingFor.ref()));
                if (!waitingFor.message().isEmpty()) {
                    sb.append(": ").append(waitingFor.message());
                }
            }
            return sb.toString();
        }

        private String revision() {
            return result.revision().isPresent()
                    ? " revision " + result.revision().getAsInt()
                    : "";
        }
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    static List<String> names(List<dev.slipway.core.cluster.Cluster> clusters) {
        List<String> names = new ArrayList<>();
        clusters.forEach(c -> names.add(c.name()));
        return names;
    }
}
