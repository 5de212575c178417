package dev.slipway.rollout.controller;

import dev.slipway.core.rollout.Analysis;
import dev.slipway.core.spec.Durations;
import dev.slipway.router.TrafficCounts;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * The judgement of one window of canary requests against a rollout's {@link Analysis}: pure, so every rule is
 * tested on numbers alone. Limits are checked in this order and the first exceeded is the reason: fewer than
 * {@code minRequests} canary requests wait; the error rate (5xx, timeouts, connect failures over requests)
 * above {@code maxErrorRate}, the p99 above {@code maxP99}, or the p99 above {@code maxP99Ratio} times
 * stable's p99 breach. The ratio is judged only when stable had at least {@code minRequests} requests in the
 * same window, and stable's p99 counts as at least {@link #RATIO_FLOOR}: below it bucket width and scheduling
 * noise, not the revision, decide the ratio.
 */
final class CanaryAnalysis {
    /** Stable p99s below this count as this much when the ratio is judged. */
    static final Duration RATIO_FLOOR = Duration.ofMillis(10);

    private CanaryAnalysis() {}

    static Check judge(Analysis a, TrafficReading.Window w, Instant at, Duration length) {
        TrafficCounts c = w.canary();
        TrafficCounts s = w.stable();
        Duration canaryP99 = c.requests() == 0 ? Duration.ZERO : c.latency().quantile(0.99);
        Duration stableP99 = s.requests() == 0 ? Duration.ZERO : s.latency().quantile(0.99);
        String numbers = numbers(c, canaryP99, s, stableP99);
        BiFunction<Verdict, String, Check> checked = (verdict, reason) -> new Check(
                at, length, c.requests(), c.errors(), canaryP99, s.requests(), s.errors(), stableP99, verdict, reason);
        if (c.requests() < a.minRequests()) {
            return checked.apply(
                    Verdict.WAIT,
                    c.requests() + " of the " + a.minRequests() + " canary requests a check needs in "
                            + Durations.format(length) + ": waiting (" + numbers + ")");
        }
        if (!a.errorRateWithin(c.errors(), c.requests())) {
            return checked.apply(
                    Verdict.BREACH,
                    "error rate " + percent(c.errors(), c.requests()) + " above maxErrorRate " + a.maxErrorRatePercent()
                            + " (" + numbers + ")");
        }
        if (a.maxP99().isPresent() && canaryP99.compareTo(a.maxP99().get()) > 0) {
            return checked.apply(
                    Verdict.BREACH,
                    "p99 " + duration(canaryP99) + " above maxP99 "
                            + duration(a.maxP99().get()) + " (" + numbers + ")");
        }
        if (s.requests() >= a.minRequests()) {
            Duration base = stableP99.compareTo(RATIO_FLOOR) < 0 ? RATIO_FLOOR : stableP99;
            BigDecimal limit = a.maxP99Ratio().multiply(BigDecimal.valueOf(base.toNanos()));
            if (BigDecimal.valueOf(canaryP99.toNanos()).compareTo(limit) > 0) {
                return checked.apply(
                        Verdict.BREACH,
                        "p99 " + duration(canaryP99) + " above maxP99Ratio "
                                + a.maxP99Ratio().stripTrailingZeros().toPlainString() + " x stable's " + duration(base)
                                + " (" + numbers + ")");
            }
        }
        return checked.apply(Verdict.PASS, "within limits (" + numbers + ")");
    }

    /** The window's numbers in words, e.g. {@code canary 1000 requests, 12 errors (10 5xx, 2 timeouts, ...)}. */
    static String numbers(TrafficCounts c, Duration canaryP99, TrafficCounts s, Duration stableP99) {
        StringBuilder sb = new StringBuilder("canary ")
                .append(c.requests())
                .append(c.requests() == 1 ? " request, " : " requests, ")
                .append(c.errors())
                .append(c.errors() == 1 ? " error" : " errors");
        if (c.errors() > 0) {
            sb.append(" (")
                    .append(c.serverErrors())
                    .append(" 5xx, ")
                    .append(c.timeouts())
                    .append(" timeouts, ")
                    .append(c.connectFailures())
                    .append(" connect failures)");
        }
        if (c.requests() > 0) {
            sb.append(", p99 ").append(duration(canaryP99));
        }
        sb.append("; stable ").append(s.requests()).append(s.requests() == 1 ? " request" : " requests");
        if (s.requests() > 0) {
            sb.append(", p99 ").append(duration(stableP99));
        }
        return sb.toString();
    }

    static String percent(long part, long whole) {
        return String.format(Locale.ROOT, "%.2f%%", whole == 0 ? 0.0 : 100.0 * part / whole);
    }

    /** {@code 812ms}, {@code 0.4ms}, {@code 12.5s}: how numbers read in reasons. */
    static String duration(Duration d) {
        long micros = d.toNanos() / 1000;
        if (micros < 1000) {
            return String.format(Locale.ROOT, "%.1fms", micros / 1000.0);
        }
        if (micros < 10_000_000) {
            return Math.round(micros / 1000.0) + "ms";
        }
        return String.format(Locale.ROOT, "%.1fs", micros / 1_000_000.0);
    }
}
