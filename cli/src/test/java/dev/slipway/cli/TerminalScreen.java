package dev.slipway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A minimal terminal for tests: the lines left on screen by text with the cursor moves {@link LiveRegion} uses. */
final class TerminalScreen {
    private TerminalScreen() {}

    /**
     * What a terminal shows after {@code output}: lines, with CSI n F (up n lines), CSI n A (up n lines, as
     * {@link ProgressDisplay} moves, always followed by a carriage return), CSI 2K (clear the line), CSI J (clear
     * below) and carriage returns.
     */
    static List<String> of(String output) {
        List<String> rows = new ArrayList<>();
        int row = 0;
        Matcher m = Pattern.compile("\u001b\\[(\\d*)([FJAK])").matcher(output);
        int at = 0;
        StringBuilder text = new StringBuilder();
        while (true) {
            boolean found = m.find();
            text.setLength(0);
            text.append(output, at, found ? m.start() : output.length());
            for (String piece : text.toString().split("\n", -1)) {
                if (row == rows.size()) {
                    rows.add("");
                }
                int cr = piece.lastIndexOf('\r');
                rows.set(row, cr < 0 ? rows.get(row) + piece : piece.substring(cr + 1));
                row++;
            }
            row--; // the last piece has no newline after it
            if (!found) {
                break;
            }
            if (m.group(2).equals("K")) {
                rows.set(row, "");
            } else if (m.group(2).equals("F") || m.group(2).equals("A")) {
                row = Math.max(0, row - Integer.parseInt(m.group(1)));
                rows.set(row, "");
            } else {
                while (rows.size() > row + 1) {
                    rows.remove(rows.size() - 1);
                }
                rows.set(row, "");
            }
            at = m.end();
        }
        if (!rows.isEmpty() && rows.get(rows.size() - 1).isEmpty()) {
            rows.remove(rows.size() - 1);
        }
        return rows;
    }
}
