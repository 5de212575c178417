package dev.slipway.cli;

import picocli.CommandLine.Option;

/** {@code -o/--output text|json}, the same on every command that reads: text for people, json for scripts. */
final class OutputOptions {
    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    boolean json() {
        return format == OutputFormat.json;
    }
}
