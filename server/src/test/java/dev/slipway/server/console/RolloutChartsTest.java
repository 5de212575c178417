package dev.slipway.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.core.rollout.Analysis;
import dev.slipway.store.RolloutChecks.CheckRow;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RolloutChartsTest {
    static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
    static final Analysis LIMITS =
            new Analysis(Duration.ofSeconds(10), 100, new BigDecimal("0.02"), Optional.empty(), new BigDecimal("1.5"));

    static CheckRow row(int second, long requests, long errors, long p99Micros, long stableRequests, String verdict) {
        return new CheckRow(
                0,
                "shop",
                "production",
                "east-1",
                T0.plusSeconds(second),
                10_000,
                requests,
                errors,
                p99Micros,
                stableRequests,
                0,
                20_000,
                verdict);
    }

    @Test
    void noWindowJudgedMeansNoChart() {
        assertThat(RolloutCharts.of(List.of(), LIMITS)).isEmpty();
    }

    @Test
    void windowsAreSpreadByTimeScaledToTheHighestValueOrLimitAndTheLimitIsDrawn() {
        RolloutCharts charts = RolloutCharts.of(
                        List.of(row(0, 100, 0, 10_000, 500, "pass"), row(30, 100, 1, 30_000, 500, "pass")), LIMITS)
                .orElseThrow();

        RolloutCharts.Chart rate = charts.errorRate();
        // The limit (2 %) is the highest: the axis tops out 15 % above it, the line at 2 % sits near the top.
        assertThat(rate.top()).isEqualTo("2.3");
        assertThat(rate.limit()).contains(18);
        assertThat(rate.limitLabel()).isEqualTo("maxErrorRate 2%");
        assertThat(rate.canary()).isEqualTo("0,140 600,79");
        assertThat(rate.stable()).as("stable had no errors").isEqualTo("0,140 600,140");
        assertThat(rate.breaches()).isEmpty();

        RolloutCharts.Chart p99 = charts.p99();
        assertThat(p99.limit()).as("no maxP99 set").isEmpty();
        assertThat(p99.limitLabel()).isEmpty();
        assertThat(p99.top()).isEqualTo("34.5");
        assertThat(p99.canary()).isEqualTo("0,99 600,18");
        assertThat(charts.checks()).isEqualTo(2);
        assertThat(charts.from()).isEqualTo(T0);
        assertThat(charts.to()).isEqualTo(T0.plusSeconds(30));
        assertThat(charts.last())
                .contains("canary 100 requests, 1 error, p99 30 ms")
                .endsWith("; pass");
    }

    @Test
    void aWindowWithoutRequestsIsNotDrawnAsZeroAndABreachIsMarked() {
        RolloutCharts charts = RolloutCharts.of(
                        List.of(
                                row(0, 100, 0, 10_000, 0, "pass"),
                                row(10, 0, 0, 0, 0, "wait"),
                                row(20, 100, 50, 10_000, 0, "breach")),
                        LIMITS)
                .orElseThrow();

        assertThat(charts.errorRate().canary().split(" ")).containsExactly("0,140", "600,18");
        assertThat(charts.errorRate().stable())
                .as("stable had no requests at all")
                .isEmpty();
        assertThat(charts.errorRate().breaches()).containsExactly("600,18");
        assertThat(RolloutCharts.Chart.x("600,0")).isEqualTo("600");
        assertThat(RolloutCharts.Chart.y("600,0")).isEqualTo("0");
    }

    @Test
    void oneWindowIsDrawnInTheMiddle() {
        RolloutCharts charts = RolloutCharts.of(List.of(row(0, 100, 0, 10_000, 100, "pass")), LIMITS)
                .orElseThrow();
        assertThat(charts.p99().canary()).isEqualTo("300,79");
    }

    @Test
    void axisNumbersAreShort() {
        assertThat(RolloutCharts.number(1)).isEqualTo("1");
        assertThat(RolloutCharts.number(0.5)).isEqualTo("0.5");
        assertThat(RolloutCharts.number(0.425)).isEqualTo("0.43");
        assertThat(RolloutCharts.number(12.34)).isEqualTo("12.3");
        assertThat(RolloutCharts.number(812.7)).isEqualTo("813");
    }
}
