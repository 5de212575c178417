package dev.slipway.cli;

import dev.slipway.core.spec.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code 90s}, {@code 5m}, {@code 1h30m} the way slipway.yaml does. */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return Durations.parse(value)
                .filter(d -> !d.isZero())
                .orElseThrow(() ->
                        new TypeConversionException("'" + value + "' is not a duration; write e.g. 90s, 5m or 1h30m"));
    }
}
