package dev.slipway.core.manifest;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes resource quantity ({@code 100m}, {@code 1.5}, {@code 256Mi}, {@code 1e3}), parsed so
 * requests can be compared with limits before the API server rejects the Deployment.
 *
 * @param text as written
 * @param value in base units (cores, bytes)
 */
public record Quantity(String text, BigDecimal value) implements Comparable<Quantity> {
    private static final Pattern SYNTAX = Pattern.compile(
            "([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?");
    private static final Map<String, BigDecimal> SUFFIXES = Map.ofEntries(
            Map.entry("", BigDecimal.ONE),
            Map.entry("n", new BigDecimal("1e-9")),
            Map.entry("u", new BigDecimal("1e-6")),
            Map.entry("m", new BigDecimal("1e-3")),
            Map.entry("k", new BigDecimal("1e3")),
            Map.entry("M", new BigDecimal("1e6")),
            Map.entry("G", new BigDecimal("1e9")),
            Map.entry("T", new BigDecimal("1e12")),
            Map.entry("P", new BigDecimal("1e15")),
            Map.entry("E", new BigDecimal("1e18")),
            Map.entry("Ki", BigDecimal.valueOf(1024L)),
            Map.entry("Mi", BigDecimal.valueOf(1024L * 1024)),
            Map.entry("Gi", BigDecimal.valueOf(1024L * 1024 * 1024)),
            Map.entry("Ti", BigDecimal.valueOf(1024L * 1024 * 1024 * 1024)),
            Map.entry("Pi", BigDecimal.valueOf(1024L * 1024 * 1024 * 1024 * 1024)),
            Map.entry("Ei", BigDecimal.valueOf(1024L * 1024 * 1024 * 1024 * 1024 * 1024)));

    /** Parses Kubernetes quantity syntax; empty when the text is not a quantity or is negative. */
    public static Optional<Quantity> parse(String text) {
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches() || text.startsWith("-")) {
            return Optional.empty();
        }
        BigDecimal number = new BigDecimal(m.group(1).replace("+", ""));
        String suffix = m.group(2) == null ? "" : m.group(2);
        BigDecimal value;
        if (suffix.startsWith("e") || suffix.startsWith("E")) {
            int exp = Integer.parseInt(suffix.substring(1));
            if (Math.abs(exp) > 30) {
                return Optional.empty();
            }
            value = number.scaleByPowerOfTen(exp);
        } else {
            value = number.multiply(SUFFIXES.get(suffix));
        }
        return Optional.of(new Quantity(text, value));
    }

    @Override
    public int compareTo(Quantity other) {
        return value.compareTo(other.value);
    }
}
