package dev.slipway.cli;

import dev.slipway.api.Rollout;
import dev.slipway.api.RolloutCheck;
import dev.slipway.api.RolloutCluster;
import dev.slipway.core.rollout.RolloutStep;
import dev.slipway.core.spec.Durations;
import dev.slipway.rollout.controller.Check;
import dev.slipway.rollout.controller.ClusterRollout;
import dev.slipway.rollout.controller.ClusterStatus;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.Verdict;
import dev.slipway.rollout.controller.Work;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Help.Ansi;

/**
 * {@code slipway rollout status} for people: the rollout on two lines, then a table with one row per cluster. The
 * same text whether the state was read from this machine's files or from a server's API.
 */
final class RolloutStatusText {
    private static final String[] HEADER = {
        "CLUSTER", "STATUS", "STEP", "TRAFFIC", "REQUESTS", "ERRORS", "P99 CANARY", "P99 STABLE", "VERDICT"
    };

    private RolloutStatusText() {}

    /** What the text shows of a rollout, from either source; also what {@link RolloutFollow} compares. */
    record View(
            String app,
            String environment,
            String revision,
            String startedBy,
            Instant startedAt,
            String overall,
            String steps,
            String clusterOrder,
            String analysis,
            List<String> down,
            List<ClusterView> clusters,
            boolean settled,
            boolean promoted,
            Optional<String> server) {}

    /** One cluster's cells and notes; {@code pause} as the API names it ({@code by_hand}, ...). */
    record ClusterView(
            String cluster,
            String status,
            Optional<String> pause,
            String step,
            String stage,
            Optional<CheckView> check,
            String reason,
            Optional<String> work,
            Optional<String> problem) {}

    record CheckView(
            long requests,
            long errors,
            double errorRate,
            long canaryP99Millis,
            long stableRequests,
            long stableP99Millis,
            String verdict,
            String reason) {}

    /** A rollout read from this machine's files. */
    static void print(RolloutState s, Ansi ansi, PrintWriter out) {
        print(view(s), ansi, out);
    }

    /** What the text shows of a rollout read from this machine's files. */
    static View view(RolloutState s) {
        List<ClusterView> clusters = new ArrayList<>();
        for (ClusterRollout c : s.clusters()) {
            // Pending, or stopped before it entered a step (its canary never ran).
            String step = c.stepEnteredAt().isEmpty()
                    ? "-"
                    : (c.step() + 1) + "/" + s.spec().steps().size() + " "
                            + step(s.spec().steps().get(c.step()));
            clusters.add(new ClusterView(
                    c.cluster(),
                    c.status().wireName(),
                    c.pause().map(p -> p.name().toLowerCase(Locale.ROOT)),
                    step,
                    c.stage().describe(),
                    c.lastCheck().map(RolloutStatusText::check),
                    c.reason(),
                    c.work() == Work.NONE ? Optional.empty() : Optional.of(work(c.work())),
                    c.problem()));
        }
        return new View(
                s.key().app(),
                s.key().environment(),
                s.revision(),
                s.startedBy(),
                s.startedAt(),
                overall(s),
                s.spec().describeSteps(),
                s.spec().clusters().yaml(),
                s.spec().analysis().describe(),
                List.copyOf(s.down()),
                clusters,
                s.settled(),
                s.promoted(),
                Optional.empty());
    }

    /** A rollout as the server at {@code server} reports it. */
    static void print(Rollout r, String server, Ansi ansi, PrintWriter out) {
        print(view(r, server), ansi, out);
    }

    /** What the text shows of a rollout the server at {@code server} reports. */
    static View view(Rollout r, String server) {
        List<ClusterView> clusters = new ArrayList<>();
        for (RolloutCluster c : r.clusters()) {
            String step = c.stepEnteredAt().isEmpty()
                    ? "-"
                    : c.step() + "/" + r.steps().size() + " " + c.stepText();
            clusters.add(new ClusterView(
                    c.cluster(),
                    c.status(),
                    c.pause(),
                    step,
                    c.stage(),
                    c.lastCheck().map(RolloutStatusText::check),
                    c.reason(),
                    workOf(c.work()),
                    c.problem()));
        }
        return new View(
                r.app(),
                r.environment(),
                r.revision(),
                r.startedBy(),
                r.startedAt(),
                overall(r),
                String.join(" → ", r.steps()),
                r.clusterOrder(),
                r.analysis(),
                r.down(),
                clusters,
                r.settled(),
                r.promoted(),
                Optional.of(server));
    }

    /** The rollout on two lines, the table, each cluster's notes and a hint. */
    static void print(View s, Ansi ansi, PrintWriter out) {
        out.println(ansi.string("@|bold " + s.app() + "|@") + " in " + s.environment() + ": revision " + s.revision()
                + ", started by " + s.startedBy() + " at " + s.startedAt().truncatedTo(ChronoUnit.SECONDS) + " — "
                + s.overall() + s.server().map(u -> " (through " + u + ")").orElse(""));
        out.println("steps: " + s.steps() + " (clusters " + s.clusterOrder() + ")");
        out.println("judged " + s.analysis());
        if (!s.down().isEmpty()) {
            out.println(ansi.string("@|yellow clusters down: " + String.join(", ", s.down())
                    + "|@ (the rollout holds until they are healthy again)"));
        }
        out.println();
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (ClusterView c : s.clusters()) {
            rows.add(row(c));
        }
        out.println(StatusTable.columns(rows));
        String retried = s.server().isPresent() ? "the server's next tick" : "the next tick of slipway rollout run";
        for (ClusterView c : s.clusters()) {
            List<String> notes = new ArrayList<>();
            if (!c.reason().isEmpty()) {
                notes.add(c.reason());
            }
            c.check().filter(k -> !k.reason().isEmpty()).ifPresent(k -> notes.add("last check: " + k.reason()));
            c.work().ifPresent(w -> notes.add("still to do: " + w));
            c.problem()
                    .ifPresent(
                            p -> notes.add(ansi.string("@|red problem:|@ ") + p + " (tried again on " + retried + ")"));
            if (!notes.isEmpty()) {
                out.println(ansi.string("@|bold " + c.cluster() + "|@") + ":");
                notes.forEach(n -> out.println("  " + n));
            }
        }
        hint(s).ifPresent(h -> out.println("hint: " + h));
    }

    /** The cells of a cluster's row, as the table shows them. */
    static String[] row(ClusterView c) {
        String status = c.status() + c.pause().map(p -> " (" + pause(p) + ")").orElse("");
        String[] r = {c.cluster(), status, c.step(), c.stage(), "-", "-", "-", "-", "-"};
        if (c.check().isPresent()) {
            CheckView k = c.check().get();
            r[4] = Long.toString(k.requests());
            r[5] = k.requests() == 0
                    ? "-"
                    : k.errors() + " (" + String.format(Locale.ROOT, "%.2f%%", 100 * k.errorRate()) + ")";
            r[6] = k.requests() == 0 ? "-" : k.canaryP99Millis() + "ms";
            r[7] = k.stableRequests() == 0 ? "-" : k.stableP99Millis() + "ms";
            r[8] = k.verdict();
        }
        return r;
    }

    private static CheckView check(Check k) {
        return new CheckView(
                k.requests(),
                k.errors(),
                k.errorRate(),
                k.canaryP99().toMillis(),
                k.stableRequests(),
                k.stableP99().toMillis(),
                k.verdict().wireName(),
                k.reason());
    }

    private static CheckView check(RolloutCheck k) {
        return new CheckView(
                k.requests(),
                k.errors(),
                k.errorRate(),
                k.canaryP99Millis(),
                k.stableRequests(),
                k.stableP99Millis(),
                k.verdict(),
                k.reason());
    }

    /** A step in a few words: {@code optin}, {@code rps 100 for 10m}, {@code percent 10 for 30m}, {@code full}. */
    private static String step(RolloutStep step) {
        return step.stage()
                + step.hold().map(h -> " for " + Durations.format(h)).orElse("");
    }

    /** A pause cause as the API names it ({@code by_hand}, ...) in words. */
    static String pause(String cause) {
        return switch (cause) {
            case "by_hand" -> "by hand";
            case "opt_in" -> "opt-in";
            case "cluster_down" -> "cluster down";
            default -> cause;
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

    /** The API's work name ({@code promote_stable}, ...) in words; empty for {@code none}. */
    private static Optional<String> workOf(String wire) {
        for (Work w : Work.values()) {
            if (w.name().equalsIgnoreCase(wire)) {
                return w == Work.NONE ? Optional.empty() : Optional.of(work(w));
            }
        }
        return wire.isEmpty() ? Optional.empty() : Optional.of(wire);
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

    /** As {@link #overall(RolloutState)}, for a rollout a server reports. */
    static String overall(Rollout r) {
        if (r.settled()) {
            return r.promoted() ? "promoted" : "stopped";
        }
        List<String> finished = List.of(
                ClusterStatus.PROMOTED.wireName(), ClusterStatus.ABORTED.wireName(), ClusterStatus.FAILED.wireName());
        if (r.clusters().stream().allMatch(c -> finished.contains(c.status()))) {
            return "finishing";
        }
        boolean breach = r.clusters().stream()
                .anyMatch(c -> c.lastCheck()
                        .map(k -> k.verdict().equals(Verdict.BREACH.wireName()))
                        .orElse(false));
        if (breach) {
            return "aborting";
        }
        return r.clusters().stream().anyMatch(c -> c.status().equals(ClusterStatus.PROMOTING.wireName()))
                ? "promoting"
                : "under way";
    }

    private static Optional<String> hint(View s) {
        String app = s.app();
        String env = " --env " + s.environment();
        boolean canaryNeverRan = s.clusters().stream()
                .anyMatch(c -> c.status().equals(ClusterStatus.FAILED.wireName())
                        && c.step().equals("-"));
        if (s.settled() && canaryNeverRan) {
            return Optional.of("fix what kept the canary from running and deploy again: that deploy starts a new"
                    + " rollout (`slipway rollout retry` would start this one with no canary to send traffic to)");
        }
        if (s.settled()) {
            return s.promoted()
                    ? Optional.empty()
                    : Optional.of(
                            "start it again with `slipway rollout retry " + app + env + "` once the canary runs again");
        }
        if (s.clusters().stream().anyMatch(c -> c.pause().equals(Optional.of("opt_in")))) {
            return Optional.of("only opted-in clients reach the canary; move on with `slipway rollout" + " resume "
                    + app + env + "`");
        }
        if (s.clusters().stream().anyMatch(c -> c.pause().equals(Optional.of("by_hand")))) {
            return Optional.of("paused by hand; continue with `slipway rollout resume " + app + env + "`");
        }
        String moves = s.server().isPresent()
                ? "the server moves traffic step by step"
                : "traffic moves while `slipway rollout run " + app + env + "` runs (or a server runs the rollout)";
        return Optional.of(
                moves + "; skip the steps with `slipway rollout promote`, stop with `slipway rollout" + " abort`");
    }
}
