package dev.slipway.cli;

/** How read commands print: for people ({@code text}) or for scripts ({@code json}). */
enum OutputFormat {
    text,
    json
}
