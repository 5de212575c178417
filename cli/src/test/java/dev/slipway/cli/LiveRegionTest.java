package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LiveRegionTest {

    @Test
    void logsScrollAboveTheTableWhichIsRedrawnInPlace() {
        StringWriter raw = new StringWriter();
        LiveRegion live = new LiveRegion(new PrintWriter(raw), 40);

        live.line("web 1 started");
        live.show("SERVICE  STATE\nweb      starting");
        live.line("web 1 listening on 4001");
        live.show("SERVICE  STATE\nweb      ready");
        live.line("GET / 200");

        assertThat(screen(raw.toString()))
                .containsExactly(
                        "web 1 started", "web 1 listening on 4001", "GET / 200", "SERVICE  STATE", "web      ready");
    }

    @Test
    void aBlockThatShrinksLeavesNoStaleLinesAndLongLinesAreCutToTheWidth() {
        StringWriter raw = new StringWriter();
        LiveRegion live = new LiveRegion(new PrintWriter(raw), 20);

        live.show("a\nb\nc");
        live.show("only one line, but far longer than twenty columns");

        assertThat(screen(raw.toString())).containsExactly("only one line, but…");
    }

    /** What a terminal shows after {@code output}: lines, with CSI n F (up n lines) and CSI J (clear below). */
    private static List<String> screen(String output) {
        List<String> rows = new ArrayList<>();
        int row = 0;
        Matcher m = Pattern.compile("\u001b\\[(\\d*)([FJ])").matcher(output);
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
                rows.set(row, rows.get(row) + piece);
                row++;
            }
            row--; // the last piece has no newline after it
            if (!found) {
                break;
            }
            if (m.group(2).equals("F")) {
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
