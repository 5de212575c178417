package dev.slipway.cli;

import dev.slipway.core.rollout.RolloutStep;
import dev.slipway.core.spec.Durations;
import dev.slipway.rollout.controller.Check;
import dev.slipway.rollout.controller.ClusterRollout;
import dev.slipway.rollout.controller.ClusterStatus;
import dev.slipway.rollout.controller.PauseCause;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.Verdict;
import dev.slipway.rollout.controller.Work;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Help.Ansi;

/** {@code slipway rollout status} for people: the rollout on two lines, then a table with one row per cluster. */
final class RolloutStatusText {
    private static final String[] HEADER = {
        "CLUSTER", "STATUS", "STEP", "TRAFFIC", "REQUESTS", "ERRORS", "P99 CANARY", "P99 STABLE", "VERDICT"
    };

    private RolloutStatusText() {}

    static void print(RolloutState s, Ansi ansi, PrintWriter out) {
        out.println(
                ansi.string("@|bold " + s.key().app() + "|@") + " in " + s.key().environment() + ": revision "
                        + s.revision() + ", started by " + s.startedBy() + " at "
                        + s.startedAt().truncatedTo(ChronoUnit.SECONDS) + " — " + overall(s));
        out.println("steps: " + s.spec().describeSteps() + " (clusters "
                + s.spec().clusters().yaml() + ")");
        out.println("judged " + s.spec().analysis().describe());
        if (!s.down().isEmpty()) {
            out.println(ansi.string("@|yellow clusters down: " + String.join(", ", s.down())
                    + "|@ (the rollout holds until they are healthy again)"));
        }
        out.println();
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (ClusterRollout c : s.clusters()) {
            rows.add(row(s, c));
        }
        out.println(StatusTable.columns(rows));
        for (ClusterRollout c : s.clusters()) {
            List<String> notes = new ArrayList<>();
            if (!c.reason().isEmpty()) {
                notes.add(c.reason());
            }
            c.lastCheck().filter(k -> !k.reason().isEmpty()).ifPresent(k -> notes.add("last check: " + k.reason()));
            if (c.work() != Work.NONE) {
                notes.add("still to do: " + work(c.work()));
            }
            c.problem()
                    .ifPresent(p -> notes.add(ansi.string("@|red problem:|@ ") + p + " (tried again on the next"
                            + " tick of slipway rollout run)"));
            if (!notes.isEmpty()) {
                out.println(ansi.string("@|bold " + c.cluster() + "|@") + ":");
                notes.forEach(n -> out.println("  " + n));
            }
        }
        hint(s).ifPresent(h -> out.println("hint: " + h));
    }

    private static String[] row(RolloutState s, ClusterRollout c) {
        String step = c.status() == ClusterStatus.PENDING
                ? "-"
                : (c.step() + 1) + "/" + s.spec().steps().size() + " "
                        + step(s.spec().steps().get(c.step()));
        String[] r = {c.cluster(), status(c), step, c.stage().describe(), "-", "-", "-", "-", "-"};
        if (c.lastCheck().isPresent()) {
            Check k = c.lastCheck().get();
            r[4] = Long.toString(k.requests());
            r[5] = k.requests() == 0
                    ? "-"
                    : k.errors() + " (" + String.format(Locale.ROOT, "%.2f%%", 100 * k.errorRate()) + ")";
            r[6] = k.requests() == 0 ? "-" : millis(k.canaryP99());
            r[7] = k.stableRequests() == 0 ? "-" : millis(k.stableP99());
            r[8] = k.verdict().wireName();
        }
        return r;
    }

    /** A step in a few words: {@code optin}, {@code rps 100 for 10m}, {@code percent 10 for 30m}, {@code full}. */
    private static String step(RolloutStep step) {
        return step.stage()
                + step.hold().map(h -> " for " + Durations.format(h)).orElse("");
    }

    private static String status(ClusterRollout c) {
        String name = c.status().wireName();
        if (c.pause().isPresent()) {
            name += " (" + pause(c.pause().get()) + ")";
        }
        return name;
    }

    private static String pause(PauseCause cause) {
        return switch (cause) {
            case BY_HAND -> "by hand";
            case OPT_IN -> "opt-in";
            case CLUSTER_DOWN -> "cluster down";
        };
    }

    private static String work(Work w) {
        return switch (w) {
            case PROMOTE_STABLE -> "move stable to the new revision";
            case REMOVE_CANARY -> "remove the canary after the promotion";
            case ABORT_CANARY -> "remove the canary after the abort";
            case NONE -> "nothing";
        };
    }

    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }

    /** In a word or two: promoted, stopped, under way. */
    static String overall(RolloutState s) {
        if (s.settled()) {
            return s.promoted() ? "promoted" : "stopped";
        }
        if (s.finished()) {
            return "finishing";
        }
        boolean breach = s.clusters().stream()
                .anyMatch(c ->
                        c.lastCheck().map(k -> k.verdict() == Verdict.BREACH).orElse(false));
        if (breach) {
            return "aborting";
        }
        return s.clusters().stream().anyMatch(c -> c.status() == ClusterStatus.PROMOTING) ? "promoting" : "under way";
    }

    private static Optional<String> hint(RolloutState s) {
        String app = s.key().app();
        String env = " --env " + s.key().environment();
        if (s.settled()) {
            return s.promoted()
                    ? Optional.empty()
                    : Optional.of(
                            "start it again with `slipway rollout retry " + app + env + "` once the canary runs again");
        }
        if (s.clusters().stream().anyMatch(c -> c.pause().equals(Optional.of(PauseCause.OPT_IN)))) {
            return Optional.of("only opted-in clients reach the canary; move on with `slipway rollout" + " resume "
                    + app + env + "`");
        }
        if (s.clusters().stream().anyMatch(c -> c.pause().equals(Optional.of(PauseCause.BY_HAND)))) {
            return Optional.of("paused by hand; continue with `slipway rollout resume " + app + env + "`");
        }
        return Optional.of("traffic moves while `slipway rollout run " + app + env + "` runs (or a server"
                + " runs the rollout); skip the steps with `slipway rollout promote`, stop with `slipway rollout"
                + " abort`");
    }
}
