package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
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

        assertThat(TerminalScreen.of(raw.toString()))
                .containsExactly(
                        "web 1 started", "web 1 listening on 4001", "GET / 200", "SERVICE  STATE", "web      ready");
    }

    @Test
    void aBlockThatShrinksLeavesNoStaleLinesAndLongLinesAreCutToTheWidth() {
        StringWriter raw = new StringWriter();
        LiveRegion live = new LiveRegion(new PrintWriter(raw), 20);

        live.show("a\nb\nc");
        live.show("only one line, but far longer than twenty columns");

        assertThat(TerminalScreen.of(raw.toString())).containsExactly("only one line, but…");
    }

    @Test
    void aColouredLineCutToTheWidthEndsWithAResetAndNoHalfCode() {
        StringWriter raw = new StringWriter();
        LiveRegion live = new LiveRegion(new PrintWriter(raw), 20);

        live.show("\u001b[33mclusters down: east-1, west-1\u001b[39m");
        live.show("0123456789012345\u001b[33mxyz\u001b[39m");

        String out = raw.toString();
        assertThat(out).contains("\u001b[33mclusters down…\u001b[0m");
        // the second line's colour code would have been cut in two: it is left out
        assertThat(out).contains("0123456789012345…\u001b[0m").doesNotContain("\u001b[3…");
    }
}
