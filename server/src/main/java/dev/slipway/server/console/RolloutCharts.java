package dev.slipway.server.console;

import dev.slipway.core.rollout.Analysis;
import dev.slipway.store.RolloutChecks.CheckRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The rollout page's two charts, canary beside stable, drawn from the windows the controller judged: error rate
 * (with {@code maxErrorRate}) and p99 (with {@code maxP99} when set). Plain SVG coordinates computed here, so the
 * page draws them without JavaScript; the script only fetches the section again.
 *
 * @param checks how many windows are drawn
 * @param from when the first drawn window ended
 * @param to when the last one ended
 * @param errorRate the error-rate chart
 * @param p99 the latency chart
 * @param last the newest window's numbers in words, for people who do not read charts
 */
public record RolloutCharts(int checks, Instant from, Instant to, Chart errorRate, Chart p99, String last) {

    /** Drawing area of each chart, in SVG user units. */
    public static final int WIDTH = 600;

    public static final int HEIGHT = 140;

    /**
     * One chart.
     *
     * @param title what it shows
     * @param unit the y axis's unit
     * @param top the value at the top of the y axis (the highest value or limit, with headroom)
     * @param canary the canary's points, {@code x,y x,y ...}
     * @param stable stable's points (windows where stable had requests)
     * @param limit the y of the limit line, when the rollout sets one
     * @param breaches the points where a check breached, {@code x,y} each
     */
    public record Chart(
            String title,
            String unit,
            String top,
            String canary,
            String stable,
            Optional<Integer> limit,
            String limitLabel,
            List<String> breaches) {

        /** A breach point's x. */
        public static String x(String point) {
            return point.substring(0, point.indexOf(','));
        }

        /** A breach point's y. */
        public static String y(String point) {
            return point.substring(point.indexOf(',') + 1);
        }
    }

    /** The charts of {@code rows} (oldest first) judged by {@code analysis}; empty when no window was judged yet. */
    public static Optional<RolloutCharts> of(List<CheckRow> rows, Analysis analysis) {
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Instant from = rows.get(0).at();
        Instant to = rows.get(rows.size() - 1).at();
        double limitRate = analysis.maxErrorRate().doubleValue() * 100;
        Chart rate = chart(
                "error rate",
                "%",
                rows,
                from,
                to,
                r -> r.requests() == 0 ? Double.NaN : 100.0 * r.errors() / r.requests(),
                r -> r.stableRequests() == 0 ? Double.NaN : 100.0 * r.stableErrors() / r.stableRequests(),
                Optional.of(limitRate),
                "maxErrorRate " + number(limitRate) + "%");
        Optional<Double> maxP99 = analysis.maxP99().map(d -> d.toNanos() / 1e6);
        Chart p99 = chart(
                "p99",
                "ms",
                rows,
                from,
                to,
                r -> r.requests() == 0 ? Double.NaN : r.canaryP99Micros() / 1000.0,
                r -> r.stableRequests() == 0 ? Double.NaN : r.stableP99Micros() / 1000.0,
                maxP99,
                maxP99.map(m -> "maxP99 " + number(m) + " ms").orElse(""));
        CheckRow newest = rows.get(rows.size() - 1);
        String last = "last window (" + Format.time(newest.at()) + ", " + newest.clusters() + "): canary "
                + counted(newest.requests(), "request") + ", " + counted(newest.errors(), "error") + ", p99 "
                + number(newest.canaryP99Micros() / 1000.0) + " ms; stable "
                + counted(newest.stableRequests(), "request")
                + ", " + counted(newest.stableErrors(), "error") + ", p99 " + number(newest.stableP99Micros() / 1000.0)
                + " ms; " + newest.verdict();
        return Optional.of(new RolloutCharts(rows.size(), from, to, rate, p99, last));
    }

    private static Chart chart(
            String title,
            String unit,
            List<CheckRow> rows,
            Instant from,
            Instant to,
            ToDoubleFunction<CheckRow> canary,
            ToDoubleFunction<CheckRow> stable,
            Optional<Double> limit,
            String limitLabel) {
        double highest = limit.orElse(0.0);
        for (CheckRow r : rows) {
            highest = Math.max(highest, finite(canary.applyAsDouble(r)));
            highest = Math.max(highest, finite(stable.applyAsDouble(r)));
        }
        double top = highest <= 0 ? 1 : highest * 1.15;
        long span = Math.max(1, to.toEpochMilli() - from.toEpochMilli());
        List<String> canaryPoints = new ArrayList<>();
        List<String> stablePoints = new ArrayList<>();
        List<String> breaches = new ArrayList<>();
        for (CheckRow r : rows) {
            int x = rows.size() == 1
                    ? WIDTH / 2
                    : (int) Math.round((r.at().toEpochMilli() - from.toEpochMilli()) * (double) WIDTH / span);
            double c = canary.applyAsDouble(r);
            if (!Double.isNaN(c)) {
                String point = x + "," + y(c, top);
                canaryPoints.add(point);
                if (r.verdict().equals("breach")) {
                    breaches.add(point);
                }
            }
            double s = stable.applyAsDouble(r);
            if (!Double.isNaN(s)) {
                stablePoints.add(x + "," + y(s, top));
            }
        }
        return new Chart(
                title,
                unit,
                number(top),
                String.join(" ", canaryPoints),
                String.join(" ", stablePoints),
                limit.map(l -> y(l, top)),
                limitLabel,
                List.copyOf(breaches));
    }

    private static String counted(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static int y(double value, double top) {
        return (int) Math.round(HEIGHT - Math.min(value, top) * HEIGHT / top);
    }

    private static double finite(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /** {@code 1}, {@code 0.5}, {@code 812}, {@code 0.42}: short, exact enough for an axis. */
    static String number(double v) {
        if (v >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, v >= 10 ? "%.1f" : "%.2f", v).replaceAll("\\.?0+$", "");
    }
}
