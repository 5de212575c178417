package dev.slipway.local;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Replaces secret values in captured output, so a service that prints its environment does not leak a secret
 * into the terminal, the log file or syslog. Values shorter than four characters are not masked: they would
 * blank out ordinary words.
 */
final class SecretMask {
    static final String MASK = "*****";
    private static final int MIN_LENGTH = 4;
    private final List<String> values;

    SecretMask(Collection<String> values) {
        this.values = values.stream()
                .filter(v -> v.length() >= MIN_LENGTH)
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    String apply(String line) {
        String out = line;
        for (String v : values) {
            out = out.replace(v, MASK);
        }
        return out;
    }
}
