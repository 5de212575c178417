package dev.slipway.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;

/**
 * A block of lines kept at the bottom of an interactive terminal and redrawn in place (the status table of
 * {@code slipway up}), while log lines scroll above it. Each change erases the block with ANSI cursor movement
 * ({@code CSI n F}, {@code CSI J}) and draws it again; lines are cut to the terminal's width so none wraps and the
 * erase stays exact. Only for terminals: pipes and files get plain lines.
 */
final class LiveRegion {
    private static final String CSI = "\u001b[";

    private final PrintWriter out;
    private final int width;
    private List<String> region = List.of();

    LiveRegion(PrintWriter out, int width) {
        this.out = out;
        this.width = Math.max(20, width);
    }

    /** The terminal's width from {@code $COLUMNS}, else 120. */
    static int width(CliContext context) {
        return context.envValue("COLUMNS")
                .flatMap(c -> {
                    try {
                        return java.util.Optional.of(Integer.parseInt(c.trim()));
                    } catch (NumberFormatException e) {
                        return java.util.Optional.empty();
                    }
                })
                .orElse(120);
    }

    /** A writer whose every complete line scrolls above the block, for code that prints lines. */
    PrintWriter scrolling() {
        return new PrintWriter(
                new Writer() {
                    private final StringBuilder pending = new StringBuilder();

                    @Override
                    public void write(char[] chars, int offset, int length) {
                        synchronized (LiveRegion.this) {
                            for (int i = offset; i < offset + length; i++) {
                                if (chars[i] == '\n') {
                                    line(pending.toString());
                                    pending.setLength(0);
                                } else if (chars[i] != '\r') {
                                    pending.append(chars[i]);
                                }
                            }
                        }
                    }

                    @Override
                    public void flush() {
                        // a line is shown once it is complete
                    }

                    @Override
                    public void close() {
                        flush();
                    }
                },
                true);
    }

    /** Prints a line that scrolls, above the block. */
    synchronized void line(String text) {
        erase();
        out.print(text);
        out.print('\n');
        draw();
        out.flush();
    }

    /** Replaces the block with {@code block} (lines separated by newlines). */
    synchronized void show(String block) {
        erase();
        region = block.lines().map(this::fit).toList();
        draw();
        out.flush();
    }

    private void erase() {
        if (!region.isEmpty()) {
            // to the start of the block's first line, then clear everything below
            out.print(CSI + region.size() + "F" + CSI + "J");
        }
    }

    private void draw() {
        for (String l : region) {
            out.print(l);
            out.print('\n');
        }
    }

    /**
     * Cuts a line to the width. Colour codes count as characters here (so a coloured line is cut a little early), and
     * a cut line that had any ends with a reset, so a colour cut open never bleeds into the lines below.
     */
    private String fit(String line) {
        if (line.length() < width) {
            return line;
        }
        String cut = line.substring(0, width - 2);
        int escape = cut.lastIndexOf('\u001b');
        if (escape >= 0 && !cut.substring(escape).matches("(?s)\u001b\\[[0-9;]*m.*")) {
            cut = cut.substring(0, escape); // a code cut in two would print its tail
        }
        return cut + "…" + (line.indexOf('\u001b') >= 0 ? CSI + "0m" : "");
    }
}
