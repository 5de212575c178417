package dev.slipway.cli;

import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Option;

/** {@code --color}/{@code --no-color}: colors only where a person reads them, unless asked. */
final class ColorOptions {
    @Option(names = "--color", description = "Color the output even when it is not a terminal.")
    boolean forceColor;

    @Option(names = "--no-color", description = "Never color the output (also: $NO_COLOR).")
    boolean noColor;

    /** Color only on a terminal, never with --no-color or $NO_COLOR, always with --color. */
    Ansi ansi(CliContext context) {
        if (noColor || (!forceColor && context.envValue("NO_COLOR").isPresent())) {
            return Ansi.OFF;
        }
        return forceColor || context.terminal() ? Ansi.ON : Ansi.OFF;
    }
}
