package dev.slipway.cli;

import dev.slipway.cli.RolloutStatusText.ClusterView;
import dev.slipway.cli.RolloutStatusText.View;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Help.Ansi;

/**
 * Shows a rollout being followed. Every change of a cluster (status, step, traffic, verdict), of the clusters down,
 * and every wait on a person is one line with the time. On a terminal the lines scroll above a live region holding
 * the rollout's status table ({@link RolloutStatusText}), redrawn on every change; elsewhere (CI logs, pipes) there
 * are only the lines, never redrawn, and the table once at the end.
 */
final class RolloutFollowDisplay {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private final PrintWriter out;
    private final Optional<LiveRegion> region;
    private final Ansi ansi;
    private final Clock clock;
    private View shown;
    private final Map<String, ClusterView> clusters = new HashMap<>();
    private String waiting = "";

    private RolloutFollowDisplay(PrintWriter out, Optional<LiveRegion> region, Ansi ansi, Clock clock) {
        this.out = out;
        this.region = region;
        this.ansi = ansi;
        this.clock = clock;
    }

    /** The table redrawn in place below the scrolling lines, for a person at a terminal {@code width} wide. */
    static RolloutFollowDisplay live(PrintWriter out, Ansi ansi, Clock clock, int width) {
        return new RolloutFollowDisplay(out, Optional.of(new LiveRegion(out, width)), ansi, clock);
    }

    /** Plain lines only, for logs. */
    static RolloutFollowDisplay plain(PrintWriter out, Ansi ansi, Clock clock) {
        return new RolloutFollowDisplay(out, Optional.empty(), ansi, clock);
    }

    /** Live on a terminal, plain elsewhere. */
    static RolloutFollowDisplay of(CliContext context, PrintWriter out, Ansi ansi) {
        return context.terminal()
                ? live(out, ansi, context.clock(), LiveRegion.width(context))
                : plain(out, ansi, context.clock());
    }

    /** A line that scrolls (above the table, on a terminal). */
    synchronized void line(String text) {
        if (region.isPresent()) {
            region.get().line(text);
        } else {
            out.println(text);
            out.flush();
        }
    }

    /** The rollout as it is now: a line per change since the last view, and the table redrawn. */
    synchronized void show(View view) {
        if (view.equals(shown)) {
            return;
        }
        if (shown == null) {
            line("Following the rollout of " + view.app() + " revision " + view.revision() + " in "
                    + view.environment()
                    + view.server().map(u -> " (through " + u + ")").orElse("") + ": "
                    + view.steps() + " (clusters " + view.clusterOrder() + "), judged " + view.analysis());
        }
        String at = TIME.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        if (shown != null && !shown.down().equals(view.down())) {
            line(at + "  "
                    + (view.down().isEmpty()
                            ? "every cluster is healthy again"
                            : "clusters down: " + String.join(", ", view.down())));
        }
        for (ClusterView c : view.clusters()) {
            ClusterView before = clusters.put(c.cluster(), c);
            if (before == null || changed(before, c)) {
                line(at + "  " + describe(c));
            }
        }
        String wait = waitingOn(view);
        if (!wait.isEmpty() && !wait.equals(waiting)) {
            line(at + "  " + ansi.string("@|yellow waiting:|@ ") + wait);
        }
        waiting = wait;
        shown = view;
        region.ifPresent(r -> r.show(table(view)));
    }

    /** The rollout settled: on a terminal the table stays as drawn; elsewhere it is printed once. */
    synchronized void end(View view) {
        show(view);
        if (region.isEmpty()) {
            out.println();
            out.print(table(view));
            out.flush();
        }
    }

    private String table(View view) {
        StringWriter text = new StringWriter();
        RolloutStatusText.print(view, ansi, new PrintWriter(text));
        return text.toString();
    }

    private static boolean changed(ClusterView before, ClusterView now) {
        return !before.status().equals(now.status())
                || !before.pause().equals(now.pause())
                || !before.step().equals(now.step())
                || !before.stage().equals(now.stage())
                || !before.check()
                        .map(RolloutStatusText.CheckView::verdict)
                        .equals(now.check().map(RolloutStatusText.CheckView::verdict));
    }

    /** {@code east-1  running  step 1/3 rps 100 for 1m  traffic rps 100  canary 120 requests ... pass: reason}. */
    private String describe(ClusterView c) {
        String[] cells = RolloutStatusText.row(c);
        StringBuilder sb = new StringBuilder(ansi.string("@|bold " + c.cluster() + "|@"))
                .append("  ")
                .append(cells[1]);
        if (!c.step().equals("-")) {
            sb.append("  step ").append(c.step());
        }
        sb.append("  traffic ").append(c.stage());
        c.check()
                .ifPresent(k -> sb.append("  canary ")
                        .append(cells[4])
                        .append(" requests, errors ")
                        .append(cells[5])
                        .append(", p99 ")
                        .append(cells[6])
                        .append(" (stable ")
                        .append(cells[7])
                        .append(")  ")
                        .append(k.verdict()));
        List<String> why = new ArrayList<>();
        if (!c.reason().isEmpty()) {
            why.add(c.reason());
        }
        c.check()
                .filter(k ->
                        k.verdict().equalsIgnoreCase("breach") && !k.reason().isEmpty())
                .ifPresent(k -> why.add(k.reason()));
        if (!why.isEmpty()) {
            sb.append(": ").append(String.join("; ", why));
        }
        return sb.toString();
    }

    /** What the rollout waits for a person (or a cluster) to do, with the command; empty when it waits on no one. */
    static String waitingOn(View view) {
        if (view.settled()) {
            return "";
        }
        String command = " " + view.app() + " --env " + view.environment()
                + view.server().map(u -> " --server " + u).orElse("");
        if (!view.down().isEmpty()) {
            return "the rollout holds while " + String.join(", ", view.down()) + " "
                    + (view.down().size() == 1 ? "is" : "are") + " down; it goes on by itself once healthy again"
                    + " (or stop it: `slipway rollout abort" + command + "`)";
        }
        List<String> optIn = new ArrayList<>();
        List<String> byHand = new ArrayList<>();
        for (ClusterView c : view.clusters()) {
            c.pause().filter(p -> p.equals("opt_in")).ifPresent(p -> optIn.add(c.cluster()));
            c.pause().filter(p -> p.equals("by_hand")).ifPresent(p -> byHand.add(c.cluster()));
        }
        if (!optIn.isEmpty()) {
            return String.join(", ", optIn) + " at an opt-in step: only opted-in clients reach the canary; move on"
                    + " with `slipway rollout resume" + command + "`";
        }
        if (!byHand.isEmpty()) {
            return String.join(", ", byHand) + " paused by hand; continue with `slipway rollout resume" + command + "`";
        }
        return "";
    }
}
