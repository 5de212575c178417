package dev.slipway.core.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.Problem;
import dev.slipway.core.manifest.YamlCursor;
import dev.slipway.core.rollout.Analysis;
import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.rollout.RolloutStep;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an environment's {@code rollout:} strictly: every mistake is recorded with its file:line, and a
 * {@link RolloutSpec} is only built from a rollout without any, so it can never fail later.
 */
final class RolloutParser {
    static final List<String> ROLLOUT_FIELDS = List.of("steps", "analysis", "clusters", "sticky");
    static final List<String> STEP_FIELDS = List.of("rps", "percent", "for");
    static final List<String> ANALYSIS_FIELDS =
            List.of("interval", "minRequests", "maxErrorRate", "maxP99", "maxP99Ratio");
    static final List<String> STEP_WORDS = List.of("optin", "full");

    static final String STEP_SYNTAX = "a step is one of: optin, {rps: N, for: DURATION}, {percent: N, for: DURATION},"
            + " full (e.g. steps: [optin, {rps: 100, for: 10m}, {percent: 10, for: 30m}, full])";
    static final String ORDER_RULE =
            "traffic only grows: optin first, then rps steps rising, then percent steps" + " rising, then full";

    private static final BigDecimal BILLION = BigDecimal.valueOf(1_000_000_000L);
    private static final Pattern ERROR_RATE = Pattern.compile("(-?[0-9]{1,12}(\\.[0-9]{1,20})?)%");
    private static final Pattern PERCENTAGE = Pattern.compile("([0-9]{1,3}(\\.[0-9]{1,4})?)%");

    private RolloutParser() {}

    /** The rollout at {@code at}, or empty when absent or when any problem was recorded for it. */
    static Optional<RolloutSpec> parse(YamlCursor at, List<Problem> problems) {
        if (at.node().isMissingNode()) {
            return Optional.empty();
        }
        int before = problems.size();
        if (at.node().isNull()) {
            at.problem(
                    "has no value",
                    "give the rollout its steps, e.g. rollout: {steps: [{percent: 10, for: 10m}, full]},"
                            + " or delete the line to deploy in place");
            return Optional.empty();
        }
        if (!at.expectObject(ROLLOUT_FIELDS)) {
            return Optional.empty();
        }
        Analysis analysis = analysis(at.get("analysis"), problems);
        List<RolloutStep> steps = steps(at.get("steps"), analysis, problems);
        ClusterOrder order = clusters(at.get("clusters"));
        RolloutSpec.Sticky sticky = sticky(at.get("sticky"));
        if (problems.size() != before) {
            return Optional.empty();
        }
        try {
            return Optional.of(new RolloutSpec(steps, analysis, order, sticky, at.location()));
        } catch (IllegalArgumentException e) {
            // The checks above should have caught it; still report it as a problem rather than crash.
            at.problem("is not a valid rollout: " + e.getMessage(), STEP_SYNTAX);
            return Optional.empty();
        }
    }

    private static List<RolloutStep> steps(YamlCursor at, Analysis analysis, List<Problem> problems) {
        List<RolloutStep> steps = new ArrayList<>();
        if (at.isAbsent() && !at.node().isNull()) {
            at.problem("missing required field", "list the steps, e.g. steps: [{percent: 10, for: 10m}, full]");
            return steps;
        }
        List<YamlCursor> items = at.items();
        if (items.isEmpty()) {
            if (at.node().isArray()) {
                at.problem("a rollout needs at least one step", "end the steps with full, e.g. steps: [full]");
            }
            return steps;
        }
        RolloutStep previous = null;
        YamlCursor last = null;
        boolean complete = true;
        for (YamlCursor item : items) {
            Optional<RolloutStep> step = step(item, analysis, problems);
            if (step.isEmpty()) {
                complete = false;
                last = item;
                continue;
            }
            RolloutStep s = step.get();
            if (previous instanceof RolloutStep.Full) {
                item.problem(
                        "a step after full",
                        "full is the last step (reaching it promotes the new revision):" + " move it to the end");
            } else if (previous != null && !RolloutSpec.rises(previous, s)) {
                item.problem(
                        "'" + s.describe() + "' after '" + previous.describe() + "' does not increase the canary's"
                                + " traffic",
                        "order the steps so " + ORDER_RULE);
            }
            steps.add(s);
            previous = s;
            last = item;
        }
        if (complete && steps.stream().noneMatch(RolloutStep.Full.class::isInstance)) {
            last.problem(
                    "the last step must be full",
                    "add full at the end: it sends all traffic to the new revision and promotes it to stable");
        }
        return steps;
    }

    private static Optional<RolloutStep> step(YamlCursor at, Analysis analysis, List<Problem> problems) {
        JsonNode node = at.node();
        if (node.isTextual()) {
            String word = node.asText();
            switch (word) {
                case "optin":
                    return Optional.of(new RolloutStep.OptIn());
                case "full":
                    return Optional.of(new RolloutStep.Full());
                default:
                    at.problem("unknown step '" + abbreviate(word) + "'", wordHint(word));
                    return Optional.empty();
            }
        }
        if (!node.isObject()) {
            at.problem("expected a step, got " + YamlCursor.describe(node), STEP_SYNTAX);
            return Optional.empty();
        }
        for (String word : STEP_WORDS) {
            if (node.has(word)) {
                at.problem(
                        word + " is written as a plain word, without a value or for",
                        word.equals("optin")
                                ? "write '- optin': it holds until someone runs 'slipway rollout resume'"
                                : "write '- full': it is the last step and holds nothing");
                return Optional.empty();
            }
        }
        int before = problems.size();
        at.expectObject(STEP_FIELDS);
        YamlCursor rps = at.get("rps");
        YamlCursor percent = at.get("percent");
        if (!rps.node().isMissingNode() && !percent.node().isMissingNode()) {
            at.problem("a step has either rps or percent, not both", "split it into two steps");
            return Optional.empty();
        }
        if (rps.node().isMissingNode() && percent.node().isMissingNode()) {
            at.problem("a step needs rps or percent", STEP_SYNTAX);
            return Optional.empty();
        }
        Optional<Integer> amount = rps.node().isMissingNode() ? percent(percent) : rps(rps);
        Optional<Duration> hold = Optional.empty();
        YamlCursor f = at.get("for");
        if (f.node().isMissingNode()) {
            at.problem(
                    "missing 'for': how long the step holds before the next one",
                    "add e.g. for: 10m (at least the analysis interval, " + Durations.format(analysis.interval())
                            + ")");
        } else {
            hold = AppLoader.duration(f);
            if (hold.isPresent() && hold.get().compareTo(analysis.interval()) < 0) {
                f.problem(
                        "the step holds " + Durations.format(hold.get()) + ", less than one analysis interval ("
                                + Durations.format(analysis.interval()) + "): it would never be checked",
                        "hold it for at least " + Durations.format(analysis.interval())
                                + ", or shorten analysis.interval");
            }
        }
        if (amount.isPresent() && !rps.node().isMissingNode() && !analysis.reachable(amount.get())) {
            rps.problem(
                    "at most " + amount.get() + " requests per second give at most "
                            + analysis.requestsPerInterval(amount.get()) + " requests per analysis interval ("
                            + Durations.format(analysis.interval()) + "), fewer than analysis.minRequests ("
                            + analysis.minRequests() + "): every check would wait and the step could never pass",
                    "raise rps, lengthen analysis.interval, or lower analysis.minRequests");
        }
        if (problems.size() != before || amount.isEmpty() || hold.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(
                rps.node().isMissingNode()
                        ? new RolloutStep.Percent(amount.get(), hold.get())
                        : new RolloutStep.Rps(amount.get(), hold.get()));
    }

    private static Optional<Integer> rps(YamlCursor at) {
        JsonNode n = at.node();
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            at.problem(
                    "expected a whole number of requests per second, got " + YamlCursor.describe(n),
                    "write e.g. rps: 100");
            return Optional.empty();
        }
        long v = n.asLong();
        if (v < 1) {
            at.problem(
                    "must be at least 1, got " + v,
                    "an rps step sends at most that many requests per second to the new revision;"
                            + " to send none, leave the step out");
            return Optional.empty();
        }
        if (v > RolloutStep.MAX_RPS) {
            at.problem(
                    "must be at most " + RolloutStep.MAX_RPS + ", got " + v,
                    "for that much traffic use a percent step, e.g. {percent: 10, for: 30m}");
            return Optional.empty();
        }
        return Optional.of((int) v);
    }

    private static Optional<Integer> percent(YamlCursor at) {
        JsonNode n = at.node();
        BigDecimal value = null;
        if (n.isNumber()) {
            value = decimal(n).orElse(null);
        } else if (n.isTextual()) {
            Matcher m = PERCENTAGE.matcher(n.asText());
            if (m.matches()) {
                value = new BigDecimal(m.group(1));
            }
        }
        if (value == null) {
            at.problem(
                    "expected a whole percentage from 1 to 99, got " + YamlCursor.describe(n),
                    "write e.g. percent: 10");
            return Optional.empty();
        }
        String shown = plain(value);
        if (value.stripTrailingZeros().scale() > 0) {
            at.problem(
                    "must be a whole percentage, got " + shown,
                    "the router splits clients into 100 buckets: write e.g. percent: " + value.intValue());
            return Optional.empty();
        }
        if (value.compareTo(BigDecimal.valueOf(100)) == 0) {
            at.problem("100 % is the full step", "write '- full' instead");
            return Optional.empty();
        }
        if (value.signum() <= 0 || value.compareTo(BigDecimal.valueOf(99)) > 0) {
            at.problem(
                    "must be from 1 to 99, got " + shown,
                    value.signum() <= 0
                            ? "a percent step sends that share of clients to the new revision; to send none, leave"
                                    + " the step out"
                            : "a share of clients is at most 100 %; for all of them write '- full'");
            return Optional.empty();
        }
        return Optional.of(value.intValueExact());
    }

    private static Analysis analysis(YamlCursor at, List<Problem> problems) {
        Analysis d = Analysis.DEFAULT;
        if (at.node().isMissingNode()) {
            return d;
        }
        if (!at.expectObject(ANALYSIS_FIELDS) || at.node().isNull()) {
            return d;
        }
        Duration interval = interval(at.get("interval")).orElse(d.interval());
        int minRequests = minRequests(at.get("minRequests")).orElse(d.minRequests());
        BigDecimal maxErrorRate = errorRate(at.get("maxErrorRate")).orElse(d.maxErrorRate());
        Optional<Duration> maxP99 = maxP99(at.get("maxP99"));
        BigDecimal ratio = ratio(at.get("maxP99Ratio")).orElse(d.maxP99Ratio());
        return new Analysis(interval, minRequests, maxErrorRate, maxP99.isPresent() ? maxP99 : d.maxP99(), ratio);
    }

    private static Optional<Duration> interval(YamlCursor at) {
        Optional<Duration> d = AppLoader.duration(at);
        if (d.isPresent() && d.get().compareTo(Analysis.MIN_INTERVAL) < 0) {
            at.problem(
                    "an analysis interval of " + Durations.format(d.get()) + " is shorter than "
                            + Durations.format(Analysis.MIN_INTERVAL) + ": every router's numbers are read once per"
                            + " interval, and so short a window rarely holds minRequests",
                    "write at least " + Durations.format(Analysis.MIN_INTERVAL) + ", e.g. interval: 10s");
            return Optional.empty();
        }
        return d;
    }

    private static Optional<Duration> maxP99(YamlCursor at) {
        Optional<Duration> d = AppLoader.duration(at);
        if (d.isEmpty()) {
            return d;
        }
        if (d.get().compareTo(Analysis.MIN_P99) < 0) {
            at.problem(
                    "a p99 limit of " + Durations.format(d.get()) + " can never be met: the routers measure latency"
                            + " in buckets starting at " + Durations.format(Analysis.MIN_P99)
                            + ", so the lowest p99 they report is just under it",
                    "write at least " + Durations.format(Analysis.MIN_P99) + ", e.g. maxP99: 800ms");
            return Optional.empty();
        }
        if (d.get().compareTo(Analysis.MAX_P99) > 0) {
            at.problem(
                    "a p99 limit of " + Durations.format(d.get()) + " could never be exceeded: the routers tell"
                            + " latencies apart only up to about " + Durations.format(Analysis.MAX_P99),
                    "write at most " + Durations.format(Analysis.MAX_P99)
                            + ", or leave maxP99 out and judge latency by maxP99Ratio");
            return Optional.empty();
        }
        return d;
    }

    private static Optional<Integer> minRequests(YamlCursor at) {
        if (at.node().isMissingNode()) {
            return Optional.empty();
        }
        JsonNode n = at.node();
        if (n.isIntegralNumber() && n.canConvertToLong() && n.asLong() < 1) {
            at.problem(
                    "must be at least 1, got " + n.asLong(),
                    "a check with no requests cannot judge the new revision; the default is "
                            + Analysis.DEFAULT_MIN_REQUESTS);
            return Optional.empty();
        }
        return at.integer(1, Analysis.MAX_MIN_REQUESTS);
    }

    private static Optional<BigDecimal> errorRate(YamlCursor at) {
        JsonNode n = at.node();
        if (n.isMissingNode()) {
            return Optional.empty();
        }
        if (n.isNumber()) {
            at.problem(
                    "expected a percentage with '%', got the number " + n.asText(),
                    "write e.g. maxErrorRate: 1% (or 0.5%), so 1 and 0.01 cannot be confused");
            return Optional.empty();
        }
        Optional<String> text = at.text();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = ERROR_RATE.matcher(text.get());
        if (!m.matches()) {
            at.problem(
                    "'" + abbreviate(text.get()) + "' is not a percentage",
                    "write e.g. maxErrorRate: 1% (from 0% to 100%)");
            return Optional.empty();
        }
        BigDecimal percent = new BigDecimal(m.group(1));
        if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0) {
            at.problem(
                    "must be from 0% to 100%, got " + plain(percent) + "%",
                    percent.signum() < 0
                            ? "an error rate below 0% can never be met: use 0% to allow no errors at all"
                            : "an error rate is at most 100%");
            return Optional.empty();
        }
        return Optional.of(percent.movePointLeft(2));
    }

    private static Optional<BigDecimal> ratio(YamlCursor at) {
        JsonNode n = at.node();
        if (n.isMissingNode()) {
            return Optional.empty();
        }
        Optional<BigDecimal> number = n.isNumber() ? decimal(n) : Optional.empty();
        if (number.isEmpty()) {
            at.problem(
                    "expected a number, got " + YamlCursor.describe(n),
                    "write e.g. maxP99Ratio: 1.5 (the new revision's p99 may be at most 1.5 times stable's)");
            return Optional.empty();
        }
        BigDecimal v = number.get();
        if (v.compareTo(BigDecimal.ONE) < 0) {
            at.problem(
                    "must be at least 1, got " + plain(v),
                    "below 1 the new revision would have to be faster than stable to pass; write e.g. 1.5");
            return Optional.empty();
        }
        if (v.compareTo(Analysis.MAX_P99_RATIO) > 0) {
            at.problem(
                    "must be at most " + plain(Analysis.MAX_P99_RATIO) + ", got " + plain(v),
                    "to judge latency on its own, set maxP99 instead");
            return Optional.empty();
        }
        return Optional.of(v);
    }

    private static final String STICKY_SYNTAX =
            "write sticky: cookie (the default), sticky: client-address or sticky: {header: X-User-Id}";

    /** {@code sticky: cookie}, {@code client-address} or {@code {header: NAME}}. */
    private static RolloutSpec.Sticky sticky(YamlCursor at) {
        if (at.node().isMissingNode() || at.node().isNull()) {
            return RolloutSpec.Sticky.COOKIE;
        }
        if (at.node().isObject()) {
            if (!at.expectObject(List.of("header"))) {
                return RolloutSpec.Sticky.COOKIE;
            }
            Optional<String> header = at.get("header").requiredText(STICKY_SYNTAX);
            if (header.isPresent() && !header.get().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                at.get("header").problem("'" + abbreviate(header.get()) + "' is not a header name", STICKY_SYNTAX);
                return RolloutSpec.Sticky.COOKIE;
            }
            return header.map(h -> new RolloutSpec.Sticky(Optional.of(h), false))
                    .orElse(RolloutSpec.Sticky.COOKIE);
        }
        Optional<String> text = at.text();
        if (text.isPresent() && text.get().equals("client-address")) {
            return new RolloutSpec.Sticky(Optional.empty(), true);
        }
        if (text.isEmpty() || !text.get().equals("cookie")) {
            at.problem("unknown way to keep clients on one side '" + abbreviate(at.written()) + "'", STICKY_SYNTAX);
        }
        return RolloutSpec.Sticky.COOKIE;
    }

    private static ClusterOrder clusters(YamlCursor at) {
        if (at.node().isMissingNode()) {
            return ClusterOrder.DEFAULT;
        }
        Optional<String> text = at.text();
        if (text.isEmpty()) {
            return ClusterOrder.DEFAULT;
        }
        Optional<ClusterOrder> order = ClusterOrder.parse(text.get());
        if (order.isEmpty()) {
            at.problem(
                    "unknown cluster order '" + abbreviate(text.get()) + "'",
                    "write one-by-one (a cluster finishes before the next starts; the default) or together");
        }
        return order.orElse(ClusterOrder.DEFAULT);
    }

    private static String wordHint(String word) {
        String w = word.trim();
        if (w.startsWith("rps") || w.endsWith("%") || w.startsWith("percent")) {
            return "write it as a mapping with how long it holds, e.g. {rps: 100, for: 10m} or"
                    + " {percent: 10, for: 30m}";
        }
        String s = YamlCursor.suggestion(w, STEP_WORDS);
        return s.startsWith("did you mean") ? s + "; " + STEP_SYNTAX : STEP_SYNTAX;
    }

    /**
     * A number's exact value; empty for infinities, NaN and magnitudes no limit can mean (they would also
     * make formatting them slow).
     */
    private static Optional<BigDecimal> decimal(JsonNode n) {
        try {
            BigDecimal d = n.decimalValue();
            if (d.abs().compareTo(BILLION) > 0 || d.scale() > 20) {
                return Optional.empty();
            }
            return Optional.of(d);
        } catch (NumberFormatException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }

    private static String plain(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }
}
