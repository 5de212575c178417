package dev.slipway.core.render;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the renderer gets a service's secret values. Core never stores secrets; the secrets module
 * implements this over its encrypted store, and displays use {@link #REDACTED}.
 */
@FunctionalInterface
public interface SecretSource {
    /** Placeholder every redacted value renders as. */
    String REDACTED_VALUE = "(secret)";

    /** Yields placeholders, for showing what would be applied without reading any secret. */
    SecretSource REDACTED = (app, names) -> {
        Map<String, String> values = new LinkedHashMap<>();
        names.forEach(n -> values.put(n, REDACTED_VALUE));
        return values;
    };

    /**
     * The values of {@code names} for {@code app}.
     *
     * @return one entry per name
     * @throws dev.slipway.core.InvalidInputException when a secret is not set (without its value)
     */
    Map<String, String> values(String app, List<String> names);
}
