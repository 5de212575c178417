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
}
